using System.Net;

namespace AkkaGunicorn.Http.Server;

/// <summary>A comma-separated list of IP addresses, or "*" for any, as Gunicorn's *_allow_ips settings take.</summary>
public sealed class IpAllowList
{
    private readonly HashSet<IPAddress> _addresses;
    private readonly bool _any;

    private IpAllowList(HashSet<IPAddress> addresses, bool any)
    {
        _addresses = addresses;
        _any = any;
    }

    /// <summary>Parses the list; throws <see cref="FormatException"/> naming a bad entry.</summary>
    public static IpAllowList Parse(string text)
    {
        var set = new HashSet<IPAddress>();
        bool any = false;
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (raw == "*") { any = true; continue; }
            if (!IPAddress.TryParse(raw, out var address)) throw new FormatException($"'{raw}' is not an IP address");
            set.Add(Normalize(address));
        }
        return new IpAllowList(set, any);
    }

    /// <summary>Whether <paramref name="endPoint"/> is allowed; a Unix socket peer always is.</summary>
    public bool Allows(EndPoint? endPoint) => _any || endPoint switch
    {
        IPEndPoint ip => _addresses.Contains(Normalize(ip.Address)),
        null => false,
        _ => true,
    };

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
