using System.Buffers.Binary;

namespace AkkaGunicorn.Http.Http2.Frames;

/// <summary>Writes frames into a <see cref="FrameBuffer"/>.</summary>
public static class FrameWriter
{
    /// <summary>A SETTINGS frame with <paramref name="settings"/> (identifier, value) pairs.</summary>
    public static void Settings(FrameBuffer output, ReadOnlySpan<(ushort Id, uint Value)> settings)
    {
        var span = Begin(output, FrameType.Settings, FrameFlags.None, 0, settings.Length * 6);
        foreach (var (id, value) in settings)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span, id);
            BinaryPrimitives.WriteUInt32BigEndian(span[2..], value);
            span = span[6..];
        }
    }

    /// <summary>Acknowledges the peer's settings.</summary>
    public static void SettingsAck(FrameBuffer output) => Begin(output, FrameType.Settings, FrameFlags.Ack, 0, 0);

    /// <summary>Answers a PING with the same 8 octets.</summary>
    public static void PingAck(FrameBuffer output, ReadOnlySpan<byte> opaque) =>
        opaque.CopyTo(Begin(output, FrameType.Ping, FrameFlags.Ack, 0, 8));

    /// <summary>More flow-control credit on <paramref name="streamId"/> (0: the connection).</summary>
    public static void WindowUpdate(FrameBuffer output, int streamId, int increment) =>
        BinaryPrimitives.WriteUInt32BigEndian(Begin(output, FrameType.WindowUpdate, FrameFlags.None, streamId, 4), (uint)increment);

    /// <summary>Ends a stream.</summary>
    public static void RstStream(FrameBuffer output, int streamId, Http2ErrorCode error) =>
        BinaryPrimitives.WriteUInt32BigEndian(Begin(output, FrameType.RstStream, FrameFlags.None, streamId, 4), (uint)error);

    /// <summary>Tells the client no stream above <paramref name="lastStreamId"/> will be processed.</summary>
    public static void GoAway(FrameBuffer output, int lastStreamId, Http2ErrorCode error, string debug = "")
    {
        var text = System.Text.Encoding.ASCII.GetBytes(debug);
        var span = Begin(output, FrameType.GoAway, FrameFlags.None, 0, 8 + text.Length);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)lastStreamId);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], (uint)error);
        text.CopyTo(span[8..]);
    }

    /// <summary>A DATA frame.</summary>
    public static void Data(FrameBuffer output, int streamId, ReadOnlySpan<byte> data, bool endStream) =>
        data.CopyTo(Begin(output, FrameType.Data, endStream ? FrameFlags.EndStream : FrameFlags.None, streamId, data.Length));

    /// <summary>Reserves a HEADERS frame's header; the block is written after it, then <see cref="EndHeaderBlock"/> frames it.</summary>
    public static int BeginHeaderBlock(FrameBuffer output)
    {
        output.GetSpan(FrameHeader.Size);
        output.Advance(FrameHeader.Size);
        return output.Length;
    }

    /// <summary>
    /// Frames the header block written since <paramref name="blockStart"/> (from <see cref="BeginHeaderBlock"/>): one
    /// HEADERS frame when it fits <paramref name="maxFrameSize"/> (patched in place), else HEADERS and CONTINUATION frames.
    /// </summary>
    public static void EndHeaderBlock(FrameBuffer output, int blockStart, int streamId, bool endStream, int maxFrameSize)
    {
        int blockLength = output.Length - blockStart;
        var endFlag = endStream ? FrameFlags.EndStream : FrameFlags.None;
        if (blockLength <= maxFrameSize)
        {
            new FrameHeader(blockLength, FrameType.Headers, endFlag | FrameFlags.EndHeaders, streamId)
                .Write(output.At(blockStart - FrameHeader.Size, FrameHeader.Size));
            return;
        }
        var rest = output.At(blockStart + maxFrameSize, blockLength - maxFrameSize).ToArray();
        new FrameHeader(maxFrameSize, FrameType.Headers, endFlag, streamId).Write(output.At(blockStart - FrameHeader.Size, FrameHeader.Size));
        output.Truncate(blockStart + maxFrameSize);
        for (int offset = 0; offset < rest.Length; offset += maxFrameSize)
        {
            int size = Math.Min(maxFrameSize, rest.Length - offset);
            var flags = offset + size == rest.Length ? FrameFlags.EndHeaders : FrameFlags.None;
            rest.AsSpan(offset, size).CopyTo(Begin(output, FrameType.Continuation, flags, streamId, size));
        }
    }

    private static Span<byte> Begin(FrameBuffer output, FrameType type, FrameFlags flags, int streamId, int length)
    {
        var span = output.GetSpan(FrameHeader.Size + length);
        new FrameHeader(length, type, flags, streamId).Write(span);
        output.Advance(FrameHeader.Size + length);
        return span.Slice(FrameHeader.Size, length);
    }
}
