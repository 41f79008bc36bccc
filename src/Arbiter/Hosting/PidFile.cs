using AkkaGunicorn.Arbiter.Native;
using Serilog;

namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>
/// The Arbiter's pidfile: written atomically, refused when a live Arbiter owns it, removed on exit. During a
/// binary upgrade the old Arbiter moves its file aside to <c>PATH.oldbin</c> (as Gunicorn does), so that the
/// new Arbiter can claim PATH, and moves it back if the new one dies.
/// <para>
/// Pidfiles often live in shared directories, so nothing here follows a link or trusts another user's file: the file
/// is written to a fresh temporary name (O_CREAT|O_EXCL, which refuses a planted link) and renamed into place; an
/// existing PATH that is a link or belongs to another user is refused; and a stale file's pid is obeyed only if it
/// names a running AkkaGunicorn Arbiter (a file holding pid 1 cannot keep the server from starting).
/// </para>
/// </summary>
public sealed class PidFile : IDisposable
{
    private readonly string _path;
    private string _current;

    private PidFile(string path) => _current = _path = path;

    /// <summary>Where the file is now: the configured path, or its <c>.oldbin</c> while an upgrade runs.</summary>
    public string CurrentPath => _current;

    /// <summary>
    /// Claims <paramref name="path"/>; throws <see cref="IOException"/> naming the live Arbiter that owns it, or saying why
    /// the file there is not ours to replace.
    /// </summary>
    public static PidFile Claim(string path)
    {
        CheckReplaceable(path);
        if (OwnerOf(path) is { } owner && owner != Environment.ProcessId)
        {
            if (IsArbiter(owner))
                throw new IOException($"pidfile '{path}' belongs to a running AkkaGunicorn Arbiter (pid {owner}); is another server running?");
            Log.Warning("Replacing the stale pidfile {Path}: its pid {Pid} is not a running AkkaGunicorn Arbiter", path, owner);
        }
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        using (var file = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        }))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"));
        }
        File.Move(temporary, path, overwrite: true);
        return new PidFile(path);
    }

    /// <summary>Moves the file to <c>PATH.oldbin</c> for a successor to claim PATH.</summary>
    public void MoveAside()
    {
        var aside = _path + ".oldbin";
        if (_current == aside) return;
        CheckReplaceable(aside);
        File.Move(_path, aside, overwrite: true);
        _current = aside;
    }

    /// <summary>Takes PATH back after a failed upgrade, unless a live successor holds it.</summary>
    public void MoveBack()
    {
        if (_current == _path) return;
        if (OwnerOf(_path) is { } owner && owner != Environment.ProcessId && IsArbiter(owner)) return;
        File.Move(_current, _path, overwrite: true);
        _current = _path;
    }

    private static void CheckReplaceable(string path)
    {
        if (FileStatus.Of(path) is not { } status) return;
        if (!status.IsRegular) throw new IOException($"pidfile '{path}' is {status.Kind}; refusing to replace it");
        if (status.Uid != Accounts.EffectiveUid)
            throw new IOException($"pidfile '{path}' belongs to uid {status.Uid}, not to this server's uid {Accounts.EffectiveUid}; refusing to replace it");
    }

    private static int? OwnerOf(string path)
    {
        try
        {
            return FileStatus.Of(path) is { IsRegular: true } && int.TryParse(File.ReadAllText(path).Trim(), out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="pid"/> is a running AkkaGunicorn Arbiter (its command line names our binary, not as a worker or ctl).</summary>
    internal static bool IsArbiter(int pid)
    {
        string[] argv;
        try
        {
            argv = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        int binary = Array.FindIndex(argv, a => Path.GetFileName(a) is "AkkaGunicorn.dll" or "AkkaGunicorn");
        return binary >= 0 && argv.ElementAtOrDefault(binary + 1) is not (ThisExecutable.WorkerArgument or "ctl");
    }

    /// <summary>Removes the file if it is still ours.</summary>
    public void Dispose()
    {
        try
        {
            if (OwnerOf(_current) == Environment.ProcessId) File.Delete(_current);
        }
        catch (IOException)
        {
        }
    }
}
