using System.ComponentModel;
using System.Runtime.InteropServices;

namespace AkkaGunicorn.Workers.Logging;

/// <summary>
/// A log destination shared by several processes: a file opened with O_APPEND (each write lands whole at the
/// end, whichever process makes it), or standard output or error ("-"). Callers write whole lines, so lines of
/// different processes never interleave. <see cref="Reopen"/> opens the path again, for logrotate.
/// </summary>
public sealed partial class LineFile : IDisposable
{
    private const int O_WRONLY = 1, O_CREAT = 0x40, O_APPEND = 0x400, O_CLOEXEC = 0x80000;
    private readonly object _gate = new();
    private readonly string? _path;
    private int _fd;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int dup2(int from, int to);

    private LineFile(string? path, int fd)
    {
        _path = path;
        _fd = fd;
    }

    /// <summary>Where it writes: the path, or "-".</summary>
    public string Name => _path ?? "-";

    /// <summary>
    /// Opens <paramref name="target"/>: a path (created if missing, appended to), or "-" for
    /// <paramref name="standardDescriptor"/> (1 for stdout, 2 for stderr).
    /// </summary>
    public static LineFile Open(string target, int standardDescriptor)
    {
        if (target == "-") return new LineFile(null, standardDescriptor);
        return new LineFile(Path.GetFullPath(target), OpenAppend(Path.GetFullPath(target)));
    }

    private static int OpenAppend(string path)
    {
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, Convert.ToInt32("644", 8));
        if (fd < 0) throw new IOException($"cannot open log file '{path}': {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
        return fd;
    }

    /// <summary>Appends whole lines in one write.</summary>
    public unsafe void Append(ReadOnlySpan<byte> lines)
    {
        lock (_gate)
        {
            fixed (byte* start = lines)
            {
                // A short write (a full disk, a signal) continues where it stopped; a failure drops the rest.
                for (nint done = 0; done < lines.Length;)
                {
                    nint n = write(_fd, start + done, lines.Length - done);
                    if (n <= 0) return;
                    done += n;
                }
            }
        }
    }

    /// <summary>Opens the path again (after logrotate moved the file away); nothing to do for "-".</summary>
    public void Reopen()
    {
        if (_path is null) return;
        int fresh = OpenAppend(_path);
        lock (_gate)
        {
            close(_fd);
            _fd = fresh;
        }
    }

    /// <summary>Makes <paramref name="standardDescriptor"/> (1 or 2) write here too: capture_output.</summary>
    public void Capture(int standardDescriptor)
    {
        lock (_gate)
        {
            if (_path is not null && dup2(_fd, standardDescriptor) < 0) throw new Win32Exception(Marshal.GetLastPInvokeError());
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_path is not null) close(_fd);
    }
}
