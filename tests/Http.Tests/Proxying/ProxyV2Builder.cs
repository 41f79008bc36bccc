using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace AkkaGunicorn.Http.Tests.Proxying;

/// <summary>Builds PROXY protocol version 2 preambles (TCP over IPv4) with TLVs, as HAProxy sends them.</summary>
public static class ProxyV2Builder
{
    public static byte[] Tlv(byte type, byte[] value)
    {
        var tlv = new byte[3 + value.Length];
        tlv[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(tlv.AsSpan(1), (ushort)value.Length);
        value.CopyTo(tlv, 3);
        return tlv;
    }

    public static byte[] Tlv(byte type, string value) => Tlv(type, Encoding.UTF8.GetBytes(value));

    /// <summary>PP2_TYPE_SSL: client flags, verify 0 (verified), then sub-TLVs.</summary>
    public static byte[] Ssl(byte client, params byte[][] subTlvs) => Tlv(0x20, [client, 0, 0, 0, 0, .. subTlvs.SelectMany(t => t)]);

    public static byte[] Preamble(IPEndPoint source, IPEndPoint destination, params byte[][] tlvs)
    {
        var body = new List<byte>();
        body.AddRange(source.Address.GetAddressBytes());
        body.AddRange(destination.Address.GetAddressBytes());
        body.AddRange([(byte)(source.Port >> 8), (byte)source.Port, (byte)(destination.Port >> 8), (byte)destination.Port]);
        foreach (var tlv in tlvs) body.AddRange(tlv);
        var header = new List<byte>("\r\n\r\n\0\r\nQUIT\n"u8.ToArray()) { 0x21, 0x11, (byte)(body.Count >> 8), (byte)body.Count };
        return [.. header, .. body];
    }
}
