using System.Net;
using System.Net.Sockets;

namespace AkkaGunicorn.Arbiter.Settings;

/// <summary>A listening address: TCP host and port, or a Unix socket path, and whether it speaks TLS.</summary>
/// <param name="Text">The address as configured.</param>
/// <param name="EndPoint">Where to listen.</param>
/// <param name="Tls">
/// True for <c>https://</c>, false for <c>http://</c>, null for a bare address (which speaks TLS when <c>certfile</c> is
/// set, as every bind does in Gunicorn).
/// </param>
public sealed record BindAddress(string Text, EndPoint EndPoint, bool? Tls = null)
{
    /// <summary>
    /// Parses <c>HOST:PORT</c>, <c>[IPv6]:PORT</c>, <c>HOST</c> (port 8000), <c>:PORT</c> or <c>unix:PATH</c>, each
    /// optionally after <c>http://</c> or <c>https://</c>.
    /// </summary>
    public static BindAddress Parse(string text)
    {
        foreach (var (prefix, tls) in (ReadOnlySpan<(string, bool)>)[("https://", true), ("http://", false)])
            if (text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                return ParseAddress(text, text[prefix.Length..]) with { Tls = tls };
        return ParseAddress(text, text);
    }

    private static BindAddress ParseAddress(string original, string text)
    {
        const string allowed = "expected HOST:PORT, [IPv6]:PORT or unix:PATH, optionally after http:// or https://";
        if (text.StartsWith("unix:", StringComparison.Ordinal))
        {
            var path = text[5..];
            if (path.Length == 0) throw new ConfigException("bind", original, allowed);
            return new BindAddress(original, new UnixDomainSocketEndPoint(Path.GetFullPath(path)));
        }
        string host = text, port = "8000";
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']');
            if (close < 0) throw new ConfigException("bind", original, allowed);
            host = text[1..close];
            if (close + 1 < text.Length)
            {
                if (text[close + 1] != ':') throw new ConfigException("bind", original, allowed);
                port = text[(close + 2)..];
            }
        }
        else if (text.LastIndexOf(':') is var colon and >= 0)
        {
            host = text[..colon];
            port = text[(colon + 1)..];
        }
        if (host.Length == 0) host = "0.0.0.0";
        if (host == "localhost") host = "127.0.0.1";
        if (!int.TryParse(port, out var portNumber) || portNumber is < 0 or > 65535)
            throw new ConfigException("bind", original, "the port must be a number from 0 to 65535");
        if (!IPAddress.TryParse(host, out var address))
            throw new ConfigException("bind", original, "the host must be an IP address, 'localhost', or unix:PATH");
        return new BindAddress(original, new IPEndPoint(address, portNumber));
    }
}
