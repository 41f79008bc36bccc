using System.Runtime.InteropServices;
using Xunit;

namespace AkkaGunicorn.Integration.Tests.Support;

public static partial class Posix
{
    public const int SIGKILL = 9, SIGTERM = 15, SIGINT = 2, SIGSTOP = 19, SIGCONT = 18, SIGHUP = 1, SIGUSR1 = 10, SIGUSR2 = 12, SIGWINCH = 28, SIGTTIN = 21, SIGTTOU = 22, SIGABRT = 6;

    [LibraryImport("libc", EntryPoint = "fcntl")]
    private static partial int Fcntl(int fd, int command, int argument);

    /// <summary>Lets a child process inherit <paramref name="fd"/> (.NET opens everything close-on-exec).</summary>
    public static void ClearCloseOnExec(int fd)
    {
        const int F_GETFD = 1, F_SETFD = 2, FD_CLOEXEC = 1;
        Assert.True(Fcntl(fd, F_SETFD, Fcntl(fd, F_GETFD, 0) & ~FD_CLOEXEC) == 0, $"fcntl({fd}) failed");
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int KillNative(int pid, int signal);

    public static bool Kill(int pid, int signal) => KillNative(pid, signal) == 0;

    /// <summary>Whether a process with this PID exists (and is not a zombie we could still reap).</summary>
    public static bool IsAlive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return false;
        try
        {
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Waits until the process is gone, polling /proc (another process's exit cannot be awaited).</summary>
    public static async Task<bool> WaitGoneAsync(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (IsAlive(pid))
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(50);
        }
        return true;
    }
}
