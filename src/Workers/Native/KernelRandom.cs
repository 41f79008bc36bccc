using System.ComponentModel;
using System.Runtime.InteropServices;

namespace AkkaGunicorn.Workers.Native;

/// <summary>
/// Random bytes from the kernel's generator (getrandom(2)), the source OpenSSL seeds itself from. The Arbiter draws each
/// worker's token just before starting it; through <c>RandomNumberGenerator</c> the first draw loaded and initialised
/// OpenSSL, 12 ms on the way to the first worker's start that nothing else there needs.
/// </summary>
public static partial class KernelRandom
{
    private const int EINTR = 4;

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint getrandom(Span<byte> buffer, nuint length, uint flags);

    /// <summary>Fills <paramref name="buffer"/>; blocks only while the kernel's generator is not yet seeded (early boot).</summary>
    public static void Fill(Span<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            nint got = getrandom(buffer, (nuint)buffer.Length, 0);
            if (got < 0)
            {
                int error = Marshal.GetLastPInvokeError();
                if (error == EINTR) continue;
                throw new Win32Exception(error);
            }
            buffer = buffer[(int)got..];
        }
    }
}
