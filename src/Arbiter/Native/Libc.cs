using System.ComponentModel;
using System.Runtime.InteropServices;

namespace AkkaGunicorn.Arbiter.Native;

/// <summary>The few POSIX calls .NET does not expose: descriptor flags and pipes.</summary>
internal static partial class Libc
{
    private const int F_GETFD = 1, F_SETFD = 2, FD_CLOEXEC = 1, O_CLOEXEC = 0x80000;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int pipe2(Span<int> fds, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int shutdown(int fd, int how);

    /// <summary>
    /// Stops a listening socket (shutdown SHUT_RD): new connections are refused and queued ones reset, in every process
    /// that shares the socket. Linux lets the same descriptor bind and listen again afterwards.
    /// </summary>
    public static void StopListening(int fd)
    {
        const int SHUT_RD = 0;
        if (shutdown(fd, SHUT_RD) != 0) throw new Win32Exception(Marshal.GetLastPInvokeError());
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int memfd_create(string name, uint flags);

    /// <summary>An anonymous, close-on-exec file in memory (memfd_create): it has no path anyone could open.</summary>
    public static int MemoryFile(string name)
    {
        const uint MFD_CLOEXEC = 1;
        int fd = memfd_create(name, MFD_CLOEXEC);
        return fd >= 0 ? fd : throw new Win32Exception(Marshal.GetLastPInvokeError());
    }

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false if the process is gone.</summary>
    public static bool Kill(int pid, int signal) => kill(pid, signal) == 0;

    /// <summary>Lets <paramref name="fd"/> survive exec, so that worker processes inherit it.</summary>
    public static void ClearCloseOnExec(int fd)
    {
        int flags = fcntl(fd, F_GETFD, 0);
        if (flags < 0 || fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0) throw new Win32Exception(Marshal.GetLastPInvokeError());
    }

    /// <summary>Keeps <paramref name="fd"/> from any process this one starts.</summary>
    public static void SetCloseOnExec(int fd)
    {
        int flags = fcntl(fd, F_GETFD, 0);
        if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) throw new Win32Exception(Marshal.GetLastPInvokeError());
    }

    /// <summary>Creates a pipe whose ends are both close-on-exec; returns (read, write).</summary>
    public static (int Read, int Write) Pipe()
    {
        Span<int> fds = stackalloc int[2];
        if (pipe2(fds, O_CLOEXEC) < 0) throw new Win32Exception(Marshal.GetLastPInvokeError());
        return (fds[0], fds[1]);
    }
}
