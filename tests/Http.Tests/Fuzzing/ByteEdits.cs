namespace AkkaGunicorn.Http.Tests.Fuzzing;

/// <summary>How the properties vary their input: bytes edited, and the result cut into pieces as a socket might deliver it.</summary>
internal static class ByteEdits
{
    /// <summary>
    /// Each edit replaces, inserts or deletes one byte at a position taken modulo the length, past the first
    /// <paramref name="keep"/> bytes, which stay as they are.
    /// </summary>
    public static byte[] Mutate(byte[] raw, IEnumerable<((int Kind, int At), int Value)> changes, int keep = 0)
    {
        var bytes = raw.ToList();
        foreach (var ((kind, at), value) in changes)
        {
            int rest = bytes.Count - keep;
            int i = keep + (rest == 0 ? 0 : at % rest);
            switch (kind)
            {
                case 0 when rest > 0: bytes[i] = (byte)value; break;
                case 1: bytes.Insert(i, (byte)value); break;
                case 2 when rest > 0: bytes.RemoveAt(i); break;
            }
        }
        return [.. bytes];
    }

    /// <summary>Cuts <paramref name="raw"/> into pieces of the given sizes, in turn (whole when there are none).</summary>
    public static List<byte[]> Split(byte[] raw, IReadOnlyList<int> sizes)
    {
        var pieces = new List<byte[]>();
        int next = 0;
        for (int i = 0; i < raw.Length;)
        {
            int n = Math.Min(raw.Length - i, sizes.Count == 0 ? raw.Length : sizes[next++ % sizes.Count]);
            pieces.Add(raw[i..(i + n)]);
            i += n;
        }
        return pieces;
    }
}
