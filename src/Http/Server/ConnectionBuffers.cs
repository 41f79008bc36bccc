using System.Buffers;

namespace AkkaGunicorn.Http.Server;

/// <summary>
/// The pool of the small buffers every connection needs for its life (a receive buffer, a response-head buffer).
/// A pool of its own rather than <see cref="ArrayPool{T}.Shared"/>: that pool keeps a few arrays per core and thread,
/// and under a new connection per request, with two buffers held by each open connection (and the receive buffer until
/// a lingering close ends), half of its rents missed and allocated anyway. This one keeps up to
/// <see cref="MaxPooled"/> buffers of each size: 4 MiB of 4 KiB ones at most, held only after that many connections
/// were open at once.
/// </summary>
public static class ConnectionBuffers
{
    /// <summary>The most buffers of one size kept between connections.</summary>
    public const int MaxPooled = 1024;

    /// <summary>The size a connection starts with, for receiving and for rendering response heads.</summary>
    public const int Size = 4 * 1024;

    /// <summary>The pool; buffers of up to <see cref="Size"/> bytes.</summary>
    public static ArrayPool<byte> Pool { get; } = ArrayPool<byte>.Create(Size, MaxPooled);
}
