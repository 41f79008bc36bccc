using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AkkaGunicorn.Http.Parsing;

/// <summary>What a PROXY protocol preamble announced: the addresses, and (version 2) the proxy's TLVs.</summary>
/// <param name="Source">The original client, or null for LOCAL/UNKNOWN.</param>
/// <param name="Destination">The address the client connected to, or null.</param>
public sealed record ProxyInfo(IPEndPoint? Source, IPEndPoint? Destination)
{
    /// <summary>The type-length-value fields of a version 2 preamble, in order (empty for version 1).</summary>
    public IReadOnlyList<ProxyTlv> Tlvs { get; init; } = [];

    /// <summary>The first TLV of <paramref name="type"/>, or null.</summary>
    public ProxyTlv? Find(byte type) => Tlvs.FirstOrDefault(t => t.Type == type);

    /// <summary>The host name the client asked the proxy for (PP2_TYPE_AUTHORITY, e.g. its TLS SNI), or null.</summary>
    public string? Authority => Find(ProxyTlv.AuthorityType)?.Text;

    /// <summary>The application protocol the proxy negotiated with the client (PP2_TYPE_ALPN), or null.</summary>
    public string? Alpn => Find(ProxyTlv.AlpnType)?.Text;

    /// <summary>How the client reached the proxy over TLS (PP2_TYPE_SSL), or null when it did not say.</summary>
    public ProxySsl? Ssl => Find(ProxyTlv.SslType) is { Value.Length: >= 5 } ssl ? ProxySsl.Parse(ssl.Value) : null;
}

/// <summary>One PROXY v2 TLV: its type and its value as sent.</summary>
public sealed record ProxyTlv(byte Type, byte[] Value)
{
    /// <summary>PP2_TYPE_ALPN.</summary>
    public const byte AlpnType = 0x01;

    /// <summary>PP2_TYPE_AUTHORITY.</summary>
    public const byte AuthorityType = 0x02;

    /// <summary>PP2_TYPE_SSL, whose value holds sub-TLVs.</summary>
    public const byte SslType = 0x20;

    /// <summary>The value as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Value);
}

/// <summary>PP2_TYPE_SSL: the client's TLS connection to the proxy.</summary>
/// <param name="Client">The PP2_CLIENT_* flags (1: TLS, 2: a certificate on this connection, 4: in the session).</param>
/// <param name="Verified">Whether the client's certificate was verified (the field is 0 when it was).</param>
/// <param name="Version">The TLS version (PP2_SUBTYPE_SSL_VERSION, e.g. "TLSv1.3"), or null.</param>
/// <param name="Cipher">The cipher (PP2_SUBTYPE_SSL_CIPHER), or null.</param>
/// <param name="CommonName">The client certificate's Common Name (PP2_SUBTYPE_SSL_CN), or null.</param>
public sealed record ProxySsl(byte Client, bool Verified, string? Version, string? Cipher, string? CommonName)
{
    internal static ProxySsl? Parse(byte[] value)
    {
        string? version = null, cipher = null, commonName = null;
        var rest = value.AsSpan(5);
        while (rest.Length >= 3)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(rest[1..3]);
            if (rest.Length < 3 + length) return null;
            var text = Encoding.UTF8.GetString(rest.Slice(3, length));
            switch (rest[0])
            {
                case 0x21: version = text; break;
                case 0x22: commonName = text; break;
                case 0x23: cipher = text; break;
            }
            rest = rest[(3 + length)..];
        }
        return new ProxySsl(value[0], BinaryPrimitives.ReadUInt32BigEndian(value.AsSpan(1, 4)) == 0, version, cipher, commonName);
    }
}

/// <summary>What <see cref="ProxyProtocolParser.TryParse"/> found at the start of a connection.</summary>
public enum ProxyPreamble : byte
{
    /// <summary>Not enough bytes to tell.</summary>
    NeedMore,
    /// <summary>No preamble: the bytes are HTTP.</summary>
    Absent,
    /// <summary>A valid preamble was consumed.</summary>
    Parsed,
    /// <summary>A malformed preamble.</summary>
    Invalid,
}

/// <summary>Parses the HAProxy PROXY protocol, text version 1 and binary version 2, which is optional on each connection.</summary>
public static class ProxyProtocolParser
{
    private static ReadOnlySpan<byte> V2Signature => "\r\n\r\n\0\r\nQUIT\n"u8;
    private const int V1MaxLength = 107;

    /// <summary>
    /// The most a version 2 preamble may carry after its 16-byte header: addresses and TLVs. Proxies send a few hundred
    /// bytes at most; the field allows 64 KiB, which no one needs to be able to make a server buffer.
    /// </summary>
    public const int V2MaxBody = 4096;

    /// <summary>Looks for a preamble at the start of <paramref name="input"/>.</summary>
    public static ProxyPreamble TryParse(ReadOnlySpan<byte> input, out int consumed, out ProxyInfo? info)
    {
        consumed = 0;
        info = null;
        int common = Math.Min(input.Length, V2Signature.Length);
        if (input[..common].SequenceEqual(V2Signature[..common]))
            return common < V2Signature.Length ? ProxyPreamble.NeedMore : ParseV2(input, out consumed, out info);
        common = Math.Min(input.Length, 6);
        if (input[..common].SequenceEqual("PROXY "u8[..common]))
            return common < 6 ? ProxyPreamble.NeedMore : ParseV1(input, out consumed, out info);
        return ProxyPreamble.Absent;
    }

    private static ProxyPreamble ParseV1(ReadOnlySpan<byte> input, out int consumed, out ProxyInfo? info)
    {
        consumed = 0;
        info = null;
        int eol = input.IndexOf("\r\n"u8);
        if (eol < 0) return input.Length > V1MaxLength ? ProxyPreamble.Invalid : ProxyPreamble.NeedMore;
        if (eol > V1MaxLength) return ProxyPreamble.Invalid;
        var parts = Encoding.ASCII.GetString(input[..eol]).Split(' ');
        consumed = eol + 2;
        if (parts.Length >= 2 && parts[1] == "UNKNOWN")
        {
            // The proxy could not tell (or it is its own health check): keep the real peer.
            info = new ProxyInfo(null, null);
            return ProxyPreamble.Parsed;
        }
        if (parts.Length != 6) return ProxyPreamble.Invalid;
        var family = parts[1] switch { "TCP4" => AddressFamily.InterNetwork, "TCP6" => AddressFamily.InterNetworkV6, _ => AddressFamily.Unknown };
        if (family == AddressFamily.Unknown) return ProxyPreamble.Invalid;
        if (!TryParseAddress(parts[2], family, out var source) || !TryParseAddress(parts[3], family, out var destination) ||
            !TryParsePort(parts[4], out var sourcePort) || !TryParsePort(parts[5], out var destinationPort))
            return ProxyPreamble.Invalid;
        info = new ProxyInfo(new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort));
        return ProxyPreamble.Parsed;
    }

    private static bool TryParseAddress(string text, AddressFamily family, out IPAddress address)
    {
        address = IPAddress.None;
        // IPAddress.TryParse takes shorthand such as "1" or "1.2"; the protocol wants dotted quads.
        if (family == AddressFamily.InterNetwork && text.Split('.').Length != 4) return false;
        return IPAddress.TryParse(text, out address!) && address.AddressFamily == family;
    }

    private static bool TryParsePort(string text, out int port)
    {
        port = 0;
        return text.Length is > 0 and <= 5 && text.All(char.IsAsciiDigit) && int.TryParse(text, out port) && port <= 65535;
    }

    private static ProxyPreamble ParseV2(ReadOnlySpan<byte> input, out int consumed, out ProxyInfo? info)
    {
        consumed = 0;
        info = null;
        if (input.Length < 16) return ProxyPreamble.NeedMore;
        byte versionCommand = input[12], familyProtocol = input[13];
        int length = BinaryPrimitives.ReadUInt16BigEndian(input[14..16]);
        if (versionCommand >> 4 != 2 || (versionCommand & 0xF) > 1 || length > V2MaxBody) return ProxyPreamble.Invalid;
        if (input.Length < 16 + length) return ProxyPreamble.NeedMore;
        consumed = 16 + length;
        var body = input.Slice(16, length);
        info = new ProxyInfo(null, null);
        if ((versionCommand & 0xF) == 0) return ProxyPreamble.Parsed; // LOCAL: a health check from the proxy itself
        // AF_UNSPEC: the receiver ignores what follows, as the protocol says.
        if (familyProtocol >> 4 is 0 or > 3) return ProxyPreamble.Parsed;
        // The address block's size by family (AF_INET, AF_INET6, AF_UNIX); TLVs follow it.
        int addresses = (familyProtocol >> 4) switch { 1 => 12, 2 => 36, _ => 216 };
        if (length < addresses) return ProxyPreamble.Invalid;
        switch (familyProtocol >> 4)
        {
            case 1:
                info = new ProxyInfo(
                    new IPEndPoint(new IPAddress(body[..4]), BinaryPrimitives.ReadUInt16BigEndian(body[8..10])),
                    new IPEndPoint(new IPAddress(body[4..8]), BinaryPrimitives.ReadUInt16BigEndian(body[10..12])));
                break;
            case 2:
                info = new ProxyInfo(
                    new IPEndPoint(new IPAddress(body[..16]), BinaryPrimitives.ReadUInt16BigEndian(body[32..34])),
                    new IPEndPoint(new IPAddress(body[16..32]), BinaryPrimitives.ReadUInt16BigEndian(body[34..36])));
                break;
        }
        var tlvs = new List<ProxyTlv>();
        var rest = body[addresses..];
        while (rest.Length > 0)
        {
            if (rest.Length < 3) return ProxyPreamble.Invalid;
            int tlvLength = BinaryPrimitives.ReadUInt16BigEndian(rest[1..3]);
            if (rest.Length < 3 + tlvLength) return ProxyPreamble.Invalid;
            // PP2_TYPE_NOOP is padding.
            if (rest[0] != 0x04) tlvs.Add(new ProxyTlv(rest[0], rest.Slice(3, tlvLength).ToArray()));
            rest = rest[(3 + tlvLength)..];
        }
        if (tlvs.Count > 0) info = info with { Tlvs = tlvs };
        return ProxyPreamble.Parsed;
    }
}
