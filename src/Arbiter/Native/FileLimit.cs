using System.ComponentModel;
using System.Runtime.InteropServices;

namespace AkkaGunicorn.Arbiter.Native;

/// <summary>RLIMIT_NOFILE: how many descriptors a process (and each worker it starts, which inherits it) may open.</summary>
internal static partial class FileLimit
{
    private const int RLIMIT_NOFILE = 7;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, out RLimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, in RLimit limit);

    /// <summary>Raises the soft limit to the hard one; returns (soft before, soft now).</summary>
    public static (ulong Before, ulong Now) RaiseToHard()
    {
        if (getrlimit(RLIMIT_NOFILE, out var limit) != 0) throw new Win32Exception(Marshal.GetLastPInvokeError());
        ulong before = limit.Current;
        if (limit.Current < limit.Maximum)
        {
            var raised = limit with { Current = limit.Maximum };
            if (setrlimit(RLIMIT_NOFILE, raised) == 0) return (before, raised.Current);
        }
        return (before, limit.Current);
    }
}
