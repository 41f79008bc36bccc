using System.Text;
using AkkaGunicorn.Http.Http2.Frames;

namespace AkkaGunicorn.Http.Http2.Hpack;

/// <summary>
/// Encodes response header blocks. It never adds to the dynamic table (every field is indexed from the static table
/// or a literal without indexing), so the peer's table size only matters when the peer shrinks it: the next block then
/// starts with a size update to 0, as RFC 7541 §4.2 asks.
/// </summary>
public sealed class HpackEncoder
{
    private bool _announceEmptyTable;

    /// <summary>The peer's SETTINGS_HEADER_TABLE_SIZE changed.</summary>
    public void PeerTableSizeChanged(int size)
    {
        if (size < 4096) _announceEmptyTable = true;
    }

    /// <summary>Starts a block: a pending size update, if any.</summary>
    public void BeginBlock(FrameBuffer output)
    {
        if (!_announceEmptyTable) return;
        _announceEmptyTable = false;
        WriteInteger(output, 0x20, 5, 0);
    }

    /// <summary>Writes <c>:status</c>.</summary>
    public static void WriteStatus(FrameBuffer output, int status)
    {
        int index = StaticTable.IndexOfStatus(status);
        if (index != 0)
        {
            WriteInteger(output, 0x80, 7, index);
            return;
        }
        WriteInteger(output, 0x00, 4, 8);
        Span<byte> digits = stackalloc byte[3];
        digits[0] = (byte)('0' + status / 100 % 10);
        digits[1] = (byte)('0' + status / 10 % 10);
        digits[2] = (byte)('0' + status % 10);
        WriteString(output, digits);
    }

    /// <summary>Writes a field as a literal without indexing; <paramref name="name"/> must be lower case.</summary>
    public static void WriteField(FrameBuffer output, string name, string value)
    {
        int index = StaticTable.IndexOfName(name);
        WriteInteger(output, 0x00, 4, index);
        if (index == 0) WriteText(output, name);
        WriteText(output, value);
    }

    private static void WriteText(FrameBuffer output, string text)
    {
        int length = Encoding.Latin1.GetByteCount(text);
        if (length <= 256)
        {
            Span<byte> bytes = stackalloc byte[length];
            Encoding.Latin1.GetBytes(text, bytes);
            WriteString(output, bytes);
        }
        else
        {
            WriteString(output, Encoding.Latin1.GetBytes(text));
        }
    }

    /// <summary>A string literal, Huffman-coded when that is shorter.</summary>
    internal static void WriteString(FrameBuffer output, ReadOnlySpan<byte> text)
    {
        int huffman = Huffman.EncodedLength(text);
        if (huffman < text.Length)
        {
            WriteInteger(output, 0x80, 7, huffman);
            Huffman.Encode(text, output.GetSpan(huffman));
            output.Advance(huffman);
        }
        else
        {
            WriteInteger(output, 0x00, 7, text.Length);
            text.CopyTo(output.GetSpan(text.Length));
            output.Advance(text.Length);
        }
    }

    /// <summary>An integer with an N-bit prefix (RFC 7541 §5.1), the prefix's other bits set from <paramref name="flags"/>.</summary>
    internal static void WriteInteger(FrameBuffer output, byte flags, int prefixBits, int value)
    {
        var span = output.GetSpan(6);
        int mask = (1 << prefixBits) - 1;
        if (value < mask)
        {
            span[0] = (byte)(flags | value);
            output.Advance(1);
            return;
        }
        span[0] = (byte)(flags | mask);
        value -= mask;
        int i = 1;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value & 0x7F | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        output.Advance(i);
    }
}
