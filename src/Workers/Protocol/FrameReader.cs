using System.Runtime.Serialization;
using System.Text;

namespace AkkaGunicorn.Workers.Protocol;

/// <summary>
/// Reads what <see cref="BinaryWriter"/> wrote, but never trusts a length: every count is checked against the bytes
/// left in the frame before anything is allocated, so a hostile frame costs an exception, not gigabytes.
/// </summary>
internal ref struct FrameReader(ReadOnlySpan<byte> frame)
{
    private ReadOnlySpan<byte> _rest = frame;

    public int ReadInt32() => BitConverter.ToInt32(Take(sizeof(int)));

    public long ReadInt64() => BitConverter.ToInt64(Take(sizeof(long)));

    public bool ReadBoolean() => Take(1)[0] switch
    {
        0 => false,
        1 => true,
        var b => throw new SerializationException($"Not a boolean: {b}."),
    };

    /// <summary>A string as BinaryWriter writes it: its UTF-8 length as a 7-bit varint, then the bytes.</summary>
    public string ReadString()
    {
        int length = ReadLength(1);
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Take(length));
        }
        catch (DecoderFallbackException e)
        {
            throw new SerializationException("A string is not valid UTF-8.", e);
        }
    }

    /// <summary>Exactly <paramref name="count"/> bytes.</summary>
    public byte[] ReadBytes(int count)
    {
        if (count < 0) throw new SerializationException($"A negative length: {count}.");
        return Take(count).ToArray();
    }

    /// <summary>An array of longs: its count as an Int32, then the values.</summary>
    public long[] ReadInt64Array()
    {
        int count = ReadInt32();
        if (count < 0 || count > _rest.Length / sizeof(long))
            throw new SerializationException($"An array of {count} longs does not fit in the {_rest.Length} bytes left.");
        var values = new long[count];
        for (int i = 0; i < count; i++) values[i] = ReadInt64();
        return values;
    }

    private int ReadLength(int unit)
    {
        // BinaryWriter's 7-bit encoding: at most five bytes for an Int32.
        uint value = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            byte b = Take(1)[0];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                if (value > (uint)(_rest.Length / unit))
                    throw new SerializationException($"A length of {value} does not fit in the {_rest.Length} bytes left.");
                return (int)value;
            }
        }
        throw new SerializationException("A length is longer than five bytes.");
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _rest.Length) throw new SerializationException($"The frame ends {count - _rest.Length} bytes early.");
        var taken = _rest[..count];
        _rest = _rest[count..];
        return taken;
    }
}
