using System.Runtime.InteropServices;

namespace AkkaGunicorn.Workers.Native;

/// <summary>
/// The C library's heap, where the runtime's own allocations live (the JIT's working memory, the type loader's). After
/// start-up glibc keeps what the runtime freed in its arenas: 7-8 MB of an idle Arbiter's or worker's 76-80 MB, which
/// <c>malloc_trim</c> hands back to the system.
/// </summary>
public static partial class NativeHeap
{
    private static bool _unsupported;

    [LibraryImport("libc")]
    private static partial int malloc_trim(nuint pad);

    /// <summary>Returns the heap's free pages to the system; a no-op where the C library has no <c>malloc_trim</c> (musl).</summary>
    public static void Trim()
    {
        if (_unsupported) return;
        try
        {
            malloc_trim(0);
        }
        catch (EntryPointNotFoundException)
        {
            _unsupported = true;
        }
    }
}
