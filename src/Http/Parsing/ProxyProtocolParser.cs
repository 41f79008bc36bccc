using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AkkaGunicorn.Http.Parsing;

/// <summary>The addresses a PROXY protocol preamble announced.</summary>
/// <param name="Source">The original client, or null for LOCAL/UNKNOWN.</param>
/// <param name="Destination">The address the client connected to, or null.</param>
public sealed record ProxyInfo(IPEndPoint? Source, IPEndPoint? Destination);

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
        if (versionCommand >> 4 != 2 || (versionCommand & 0xF) > 1) return ProxyPreamble.Invalid;
        if (input.Length < 16 + length) return ProxyPreamble.NeedMore;
        consumed = 16 + length;
        var body = input.Slice(16, length);
        info = new ProxyInfo(null, null);
        if ((versionCommand & 0xF) == 0) return ProxyPreamble.Parsed; // LOCAL: a health check from the proxy itself
        switch (familyProtocol >> 4)
        {
            case 1:
                if (length < 12) return ProxyPreamble.Invalid;
                info = new ProxyInfo(
                    new IPEndPoint(new IPAddress(body[..4]), BinaryPrimitives.ReadUInt16BigEndian(body[8..10])),
                    new IPEndPoint(new IPAddress(body[4..8]), BinaryPrimitives.ReadUInt16BigEndian(body[10..12])));
                break;
            case 2:
                if (length < 36) return ProxyPreamble.Invalid;
                info = new ProxyInfo(
                    new IPEndPoint(new IPAddress(body[..16]), BinaryPrimitives.ReadUInt16BigEndian(body[32..34])),
                    new IPEndPoint(new IPAddress(body[16..32]), BinaryPrimitives.ReadUInt16BigEndian(body[34..36])));
                break;
        }
        return ProxyPreamble.Parsed;
    }
}
