namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>
/// The Arbiter's pidfile: written atomically, refused when a live process owns it, removed on exit. During a
/// binary upgrade the old Arbiter moves its file aside to <c>PATH.oldbin</c> (as Gunicorn does), so that the
/// new Arbiter can claim PATH, and moves it back if the new one dies.
/// </summary>
public sealed class PidFile : IDisposable
{
    private readonly string _path;
    private string _current;

    private PidFile(string path) => _current = _path = path;

    /// <summary>Where the file is now: the configured path, or its <c>.oldbin</c> while an upgrade runs.</summary>
    public string CurrentPath => _current;

    /// <summary>Claims <paramref name="path"/>; throws <see cref="IOException"/> naming the live owner if there is one.</summary>
    public static PidFile Claim(string path)
    {
        if (OwnerOf(path) is { } owner && owner != Environment.ProcessId && IsAlive(owner))
            throw new IOException($"pidfile '{path}' belongs to a running process (pid {owner}); is another AkkaGunicorn running?");
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, $"{Environment.ProcessId}\n");
        File.Move(temporary, path, overwrite: true);
        return new PidFile(path);
    }

    /// <summary>Moves the file to <c>PATH.oldbin</c> for a successor to claim PATH.</summary>
    public void MoveAside()
    {
        var aside = _path + ".oldbin";
        if (_current == aside) return;
        File.Move(_path, aside, overwrite: true);
        _current = aside;
    }

    /// <summary>Takes PATH back after a failed upgrade, unless a live successor holds it.</summary>
    public void MoveBack()
    {
        if (_current == _path) return;
        if (OwnerOf(_path) is { } owner && owner != Environment.ProcessId && IsAlive(owner)) return;
        File.Move(_current, _path, overwrite: true);
        _current = _path;
    }

    private static int? OwnerOf(string path)
    {
        try
        {
            return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");

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
