using AkkaGunicorn.Arbiter.Native;
using AkkaGunicorn.Arbiter.Settings;

namespace AkkaGunicorn.Arbiter.Control;

/// <summary>
/// Where the control socket lives. By default in a directory nobody else can write to: systemd's
/// <c>$RUNTIME_DIRECTORY</c>, else <c>/run/akkagunicorn</c> for root, else <c>$XDG_RUNTIME_DIR/akkagunicorn</c>, else
/// <c>/tmp/akkagunicorn-UID</c>; the file is named after <c>proc_name</c>, so that servers with different names
/// coexist. (A path relative to the working directory, as Gunicorn's is, lets whoever can write there listen first
/// and receive the operator's commands.)
/// </summary>
public static class ControlSocketPath
{
    /// <summary>The socket file's name for a server called <paramref name="procName"/>.</summary>
    public static string FileName(string procName) => procName + ".ctl";

    /// <summary>The default directory for this process's user and environment.</summary>
    public static string DefaultDirectory()
    {
        if (Environment.GetEnvironmentVariable("RUNTIME_DIRECTORY") is { Length: > 0 } systemd) return systemd.Split(':')[0];
        if (Accounts.EffectiveUid == 0) return "/run/akkagunicorn";
        if (Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime) return Path.Combine(runtime, "akkagunicorn");
        return $"/tmp/akkagunicorn-{Accounts.EffectiveUid}";
    }

    /// <summary>
    /// The path to listen on: <paramref name="configured"/>, or the default one (its directory made private if it is
    /// missing). Throws <see cref="ConfigException"/> when the directory or a file already at the path belongs to
    /// someone else, or is not what it must be.
    /// </summary>
    public static string Prepare(string configured, string procName)
    {
        string path;
        if (configured.Length > 0)
        {
            path = Path.GetFullPath(configured);
        }
        else
        {
            var directory = DefaultDirectory();
            path = Path.Combine(directory, FileName(procName));
            EnsurePrivateDirectory(directory, path);
        }
        if (FileStatus.Of(path) is { } existing)
        {
            if (!existing.IsSocket) throw new ConfigException("control_socket", path, $"{existing.Kind} is there, not a socket; remove it or choose another path");
            if (existing.Uid != Accounts.EffectiveUid)
                throw new ConfigException("control_socket", path, $"the socket there belongs to uid {existing.Uid}, not to this server's uid {Accounts.EffectiveUid}; choose another path");
        }
        return path;
    }

    private static void EnsurePrivateDirectory(string directory, string path)
    {
        if (FileStatus.Of(directory) is null)
        {
            try
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ConfigException("control_socket", path, $"cannot create its directory {directory}: {e.Message}; set control_socket to a path of yours");
            }
        }
        var status = FileStatus.Of(directory)!.Value;
        string? wrong = !status.IsDirectory ? $"{directory} is {status.Kind}, not a directory"
            : status.Uid != Accounts.EffectiveUid && status.Uid != 0 ? $"its directory {directory} belongs to uid {status.Uid}"
            : (status.Permissions & 0b000_010_010) != 0 ? $"its directory {directory} is writable by others (mode {Convert.ToString(status.Permissions, 8)})"
            : null;
        if (wrong is not null) throw new ConfigException("control_socket", path, $"{wrong}; refusing to put the control socket there (set control_socket to a path of yours)");
    }
}

/// <summary>Where and how the control socket listens.</summary>
/// <param name="Path">The prepared path (<see cref="ControlSocketPath.Prepare"/>).</param>
/// <param name="Mode">Its permissions.</param>
/// <param name="TakeOver">Whether to take the path from a server that answers there (this Arbiter is its upgrade).</param>
public sealed record ControlEndpoint(string Path, UnixFileMode Mode, bool TakeOver);
