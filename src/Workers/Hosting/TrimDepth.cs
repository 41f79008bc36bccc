namespace AkkaGunicorn.Workers.Hosting;

/// <summary>What an idle worker gives back on a tick (<see cref="MemoryTrim"/>).</summary>
public enum TrimDepth
{
    /// <summary>Nothing.</summary>
    None,

    /// <summary>The C library's heap only: the runtime's own freed memory.</summary>
    NativeHeap,

    /// <summary>A compacting collection of the managed heap, then the C library's heap.</summary>
    Full,
}
