using System.Runtime.InteropServices;

namespace AkkaGunicorn.Workers.Native;

/// <summary>
/// Re-raises a signal with its default action. .NET applies the default action after a handler only for the
/// signals it knows (TERM, INT, QUIT…); for ABRT a handler would otherwise leave the process running.
/// </summary>
internal static partial class DefaultSignal
{
    private static readonly IntPtr Default = IntPtr.Zero;

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial IntPtr SetHandler(int signal, IntPtr handler);

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    /// <summary>Restores the default action for <paramref name="signal"/> and sends it to this process.</summary>
    public static void Raise(int signal)
    {
        SetHandler(signal, Default);
        Kill(Environment.ProcessId, signal);
    }
}
