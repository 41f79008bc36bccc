using System.Buffers;

namespace AkkaGunicorn.Http.Http2.Frames;

/// <summary>
/// A growable byte buffer that frames and header blocks are written into, then handed to the transport whole. Two of
/// them take turns per connection: one being sent while the other fills.
/// </summary>
public sealed class FrameBuffer(int capacity = 16 * 1024) : IBufferWriter<byte>
{
    private byte[] _bytes = new byte[capacity];

    /// <summary>The bytes written so far.</summary>
    public int Length { get; private set; }

    /// <summary>What has been written.</summary>
    public ReadOnlyMemory<byte> Written => _bytes.AsMemory(0, Length);

    /// <summary>Forgets what was written.</summary>
    public void Clear() => Length = 0;

    /// <summary>Moves the end back to <paramref name="length"/> (what a header block filled, once moved into frames).</summary>
    public void Truncate(int length) => Length = length;

    /// <inheritdoc />
    public void Advance(int count) => Length += count;

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _bytes.AsMemory(Length);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _bytes.AsSpan(Length);
    }

    /// <summary>The bytes at <paramref name="offset"/>, for patching a header written before its payload.</summary>
    public Span<byte> At(int offset, int count) => _bytes.AsSpan(offset, count);

    private void Reserve(int sizeHint)
    {
        int need = Length + Math.Max(sizeHint, 1);
        if (need <= _bytes.Length) return;
        var grown = new byte[Math.Max(need, _bytes.Length * 2)];
        _bytes.AsSpan(0, Length).CopyTo(grown);
        _bytes = grown;
    }
}
