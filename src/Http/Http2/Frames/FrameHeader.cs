using System.Buffers.Binary;

namespace AkkaGunicorn.Http.Http2.Frames;

/// <summary>The 9-octet header every frame starts with (RFC 9113 §4.1).</summary>
/// <param name="Length">The payload's length.</param>
/// <param name="Type">The frame type.</param>
/// <param name="Flags">The flags.</param>
/// <param name="StreamId">The stream, 0 for the connection (the reserved bit cleared).</param>
public readonly record struct FrameHeader(int Length, FrameType Type, FrameFlags Flags, int StreamId)
{
    /// <summary>The header's size.</summary>
    public const int Size = 9;

    /// <summary>The client's connection preface (RFC 9113 §3.4), before its first SETTINGS frame.</summary>
    public static ReadOnlySpan<byte> ClientPreface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>Whether <paramref name="flag"/> is set.</summary>
    public bool Has(FrameFlags flag) => (Flags & flag) == flag;

    /// <summary>Reads a header from the first 9 bytes of <paramref name="bytes"/>.</summary>
    public static FrameHeader Read(ReadOnlySpan<byte> bytes) => new(
        bytes[0] << 16 | bytes[1] << 8 | bytes[2],
        (FrameType)bytes[3],
        (FrameFlags)bytes[4],
        (int)(BinaryPrimitives.ReadUInt32BigEndian(bytes[5..]) & 0x7FFF_FFFF));

    /// <summary>Writes the header into the first 9 bytes of <paramref name="bytes"/>.</summary>
    public void Write(Span<byte> bytes)
    {
        bytes[0] = (byte)(Length >> 16);
        bytes[1] = (byte)(Length >> 8);
        bytes[2] = (byte)Length;
        bytes[3] = (byte)Type;
        bytes[4] = (byte)Flags;
        BinaryPrimitives.WriteUInt32BigEndian(bytes[5..], (uint)StreamId);
    }
}
