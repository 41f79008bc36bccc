using System.Text;

namespace AkkaGunicorn.Http.Http2.Hpack;

/// <summary>
/// Decodes the header blocks of one connection (RFC 7541): its dynamic table lives as long as the connection, so every
/// block must be decoded in order, even one whose stream is refused. Values are Latin-1, as the HTTP/1 parser gives them.
/// </summary>
/// <param name="maxTableSize">The SETTINGS_HEADER_TABLE_SIZE this side announced: the most a size update may ask for.</param>
public sealed class HpackDecoder(int maxTableSize = 4096)
{
    private readonly DynamicTable _table = new(maxTableSize);
    private byte[] _scratch = new byte[256];

    /// <summary>The dynamic table's current size in octets (RFC 7541 §4.1).</summary>
    public int TableSize => _table.Size;

    /// <summary>
    /// Decodes one whole header block, calling <paramref name="onField"/> for each field in order. Returns the header
    /// list's size as RFC 9113 counts it (name and value octets plus 32 per field) so the caller can refuse a list
    /// beyond its limit after the table has been kept in step. Throws <see cref="HpackException"/> on a malformed block.
    /// </summary>
    public long Decode(ReadOnlySpan<byte> block, Action<string, string> onField)
    {
        long listSize = 0;
        bool fieldSeen = false;
        while (!block.IsEmpty)
        {
            byte first = block[0];
            string name, value;
            if ((first & 0x80) != 0)
            {
                // Indexed field.
                int index = ReadInteger(ref block, 7);
                (name, value) = Lookup(index);
            }
            else if ((first & 0xE0) == 0x20)
            {
                // Dynamic table size update: only before the first field.
                if (fieldSeen) throw new HpackException("A dynamic table size update after a header field.");
                int size = ReadInteger(ref block, 5);
                if (size > maxTableSize) throw new HpackException($"A dynamic table size update to {size} beyond the announced {maxTableSize}.");
                _table.Resize(size);
                continue;
            }
            else
            {
                // Literal: with incremental indexing (01), without indexing (0000) or never indexed (0001).
                bool indexing = (first & 0xC0) == 0x40;
                int index = ReadInteger(ref block, indexing ? 6 : 4);
                name = index == 0 ? ReadString(ref block) : Lookup(index).Name;
                value = ReadString(ref block);
                if (indexing) _table.Add(name, value);
            }
            fieldSeen = true;
            listSize += name.Length + value.Length + 32;
            onField(name, value);
        }
        return listSize;
    }

    private (string Name, string Value) Lookup(int index)
    {
        if (index <= 0) throw new HpackException("Index 0 in a header field.");
        if (index <= StaticTable.Count) return StaticTable.Entries[index];
        return _table.Get(index - StaticTable.Count - 1) ?? throw new HpackException($"Index {index} beyond the dynamic table.");
    }

    /// <summary>An integer with an N-bit prefix (RFC 7541 §5.1); larger than int is an error.</summary>
    internal static int ReadInteger(ref ReadOnlySpan<byte> block, int prefixBits)
    {
        if (block.IsEmpty) throw new HpackException("A truncated integer.");
        int mask = (1 << prefixBits) - 1;
        int value = block[0] & mask;
        block = block[1..];
        if (value < mask) return value;
        int shift = 0;
        while (true)
        {
            if (block.IsEmpty) throw new HpackException("A truncated integer.");
            byte b = block[0];
            block = block[1..];
            if (shift > 28) throw new HpackException("An integer too large.");
            long next = value + ((long)(b & 0x7F) << shift);
            if (next > int.MaxValue) throw new HpackException("An integer too large.");
            value = (int)next;
            shift += 7;
            if ((b & 0x80) == 0) return value;
        }
    }

    private string ReadString(ref ReadOnlySpan<byte> block)
    {
        if (block.IsEmpty) throw new HpackException("A truncated string.");
        bool huffman = (block[0] & 0x80) != 0;
        int length = ReadInteger(ref block, 7);
        if (length > block.Length) throw new HpackException("A string longer than its block.");
        var raw = block[..length];
        block = block[length..];
        if (!huffman) return Encoding.Latin1.GetString(raw);
        // The shortest code is 5 bits: at most 8/5 symbols per byte.
        int most = length * 8 / 5 + 1;
        if (_scratch.Length < most) _scratch = new byte[Math.Max(most, _scratch.Length * 2)];
        int written = Huffman.Decode(raw, _scratch);
        return Encoding.Latin1.GetString(_scratch, 0, written);
    }
}
