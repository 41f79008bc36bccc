using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace AkkaGunicorn.Workers.Observability;

/// <summary>Where statsd metrics go: <c>HOST:PORT</c> (an IP address, [IPv6] or localhost).</summary>
public static class StatsdTarget
{
    /// <summary>Parses <paramref name="text"/>; false when it is not HOST:PORT.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out IPEndPoint? endPoint)
    {
        endPoint = null;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], out int port) || port is < 1 or > 65535) return false;
        var host = text[..colon].Trim('[', ']');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) host = "127.0.0.1";
        if (!IPAddress.TryParse(host, out var address)) return false;
        endPoint = new IPEndPoint(address, port);
        return true;
    }
}
