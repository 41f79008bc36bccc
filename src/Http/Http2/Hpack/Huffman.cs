namespace AkkaGunicorn.Http.Http2.Hpack;

/// <summary>The Huffman coding of RFC 7541 §5.2 over <see cref="HuffmanTable"/>.</summary>
internal static class Huffman
{
    // The decoding tree, flattened: node i's children are at _tree[2i] (bit 0) and _tree[2i+1] (bit 1); a child below
    // zero is a leaf holding ~symbol, zero means no code goes that way.
    private static readonly int[] Tree = BuildTree();
    private const int Eos = 256;

    private static int[] BuildTree()
    {
        var tree = new List<int> { 0, 0 };
        for (int symbol = 0; symbol <= Eos; symbol++)
        {
            uint code = HuffmanTable.Codes[symbol];
            int length = HuffmanTable.Lengths[symbol];
            int node = 0;
            for (int bit = length - 1; bit > 0; bit--)
            {
                int slot = 2 * node + (int)((code >> bit) & 1);
                if (tree[slot] == 0)
                {
                    tree[slot] = tree.Count / 2;
                    tree.Add(0);
                    tree.Add(0);
                }
                node = tree[slot];
            }
            tree[2 * node + (int)(code & 1)] = ~symbol;
        }
        return [.. tree];
    }

    /// <summary>
    /// Decodes <paramref name="encoded"/> into <paramref name="output"/> (which must hold 8/5 of its length) and returns
    /// the decoded length. Throws on EOS inside the string and on padding that is longer than 7 bits or not all ones.
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> encoded, Span<byte> output)
    {
        int node = 0, written = 0, depth = 0;
        bool allOnes = true;
        foreach (byte b in encoded)
        {
            for (int bit = 7; bit >= 0; bit--)
            {
                int one = (b >> bit) & 1;
                int next = Tree[2 * node + one];
                depth++;
                allOnes &= one == 1;
                if (next == 0) throw new HpackException("Invalid Huffman code.");
                if (next < 0)
                {
                    int symbol = ~next;
                    if (symbol == Eos) throw new HpackException("EOS in a Huffman-coded string.");
                    output[written++] = (byte)symbol;
                    node = depth = 0;
                    allOnes = true;
                }
                else
                {
                    node = next;
                }
            }
        }
        if (depth > 7 || !allOnes) throw new HpackException("Invalid Huffman padding.");
        return written;
    }

    /// <summary>The length of <paramref name="text"/> once Huffman-coded, in bytes.</summary>
    public static int EncodedLength(ReadOnlySpan<byte> text)
    {
        long bits = 0;
        foreach (byte b in text) bits += HuffmanTable.Lengths[b];
        return (int)((bits + 7) / 8);
    }

    /// <summary>Huffman-codes <paramref name="text"/> into <paramref name="output"/>; returns the bytes written.</summary>
    public static int Encode(ReadOnlySpan<byte> text, Span<byte> output)
    {
        ulong pending = 0;
        int pendingBits = 0, written = 0;
        foreach (byte b in text)
        {
            pending = (pending << HuffmanTable.Lengths[b]) | HuffmanTable.Codes[b];
            pendingBits += HuffmanTable.Lengths[b];
            while (pendingBits >= 8)
            {
                pendingBits -= 8;
                output[written++] = (byte)(pending >> pendingBits);
            }
        }
        // Padding: the most significant bits of EOS, all ones.
        if (pendingBits > 0) output[written++] = (byte)((pending << (8 - pendingBits)) | (0xFFu >> pendingBits));
        return written;
    }
}
