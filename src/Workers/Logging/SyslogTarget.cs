using System.Net;
using System.Net.Sockets;

namespace AkkaGunicorn.Workers.Logging;

/// <summary>
/// Where syslog messages go, as Gunicorn's <c>syslog_addr</c> says: <c>udp://HOST:PORT</c> (port 514 when left out),
/// or <c>unix://PATH</c> (a datagram socket such as /dev/log). A pure parse, tested alone.
/// </summary>
/// <param name="EndPoint">The address to send to.</param>
public sealed record SyslogTarget(EndPoint EndPoint)
{
    /// <summary>Gunicorn's facility names and their numbers (RFC 5424 §6.2.1).</summary>
    public static readonly IReadOnlyDictionary<string, int> Facilities = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase)
    {
        ["kern"] = 0, ["user"] = 1, ["mail"] = 2, ["daemon"] = 3, ["auth"] = 4, ["syslog"] = 5, ["lpr"] = 6, ["news"] = 7,
        ["uucp"] = 8, ["cron"] = 9, ["authpriv"] = 10, ["ftp"] = 11,
        ["local0"] = 16, ["local1"] = 17, ["local2"] = 18, ["local3"] = 19, ["local4"] = 20, ["local5"] = 21, ["local6"] = 22, ["local7"] = 23,
    };

    /// <summary>Parses <paramref name="text"/>; false when it is neither form.</summary>
    public static bool TryParse(string text, out SyslogTarget? target)
    {
        target = null;
        if (text.StartsWith("unix://", StringComparison.Ordinal) && text.Length > 7)
        {
            target = new SyslogTarget(new UnixDomainSocketEndPoint(text[7..]));
            return true;
        }
        if (!text.StartsWith("udp://", StringComparison.Ordinal)) return false;
        var rest = text[6..];
        string host = rest, port = "514";
        int colon = rest.LastIndexOf(':');
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']');
            if (close < 0) return false;
            host = rest[1..close];
            if (close + 1 < rest.Length) port = rest[(close + 1)..].TrimStart(':');
        }
        else if (colon >= 0)
        {
            host = rest[..colon];
            port = rest[(colon + 1)..];
        }
        if (host == "localhost") host = "127.0.0.1";
        if (!IPAddress.TryParse(host, out var address) || !int.TryParse(port, out var number) || number is < 1 or > 65535) return false;
        target = new SyslogTarget(new IPEndPoint(address, number));
        return true;
    }
}
