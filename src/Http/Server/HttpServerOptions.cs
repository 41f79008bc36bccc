using AkkaGunicorn.Http.Parsing;

namespace AkkaGunicorn.Http.Server;

/// <summary>Everything the HTTP stages need to know, fixed for a worker's lifetime.</summary>
public sealed record HttpServerOptions
{
    /// <summary>Parser limits and compatibility switches.</summary>
    public HttpParserOptions Parser { get; init; } = new();

    /// <summary>How long an idle keep-alive connection waits for its next request (<c>keepalive</c>).</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a new connection may take to send its first request head.</summary>
    public TimeSpan FirstRequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Accept a PROXY protocol v1/v2 preamble at the start of a connection (<c>proxy_protocol</c>).</summary>
    public bool ProxyProtocol { get; init; }

    /// <summary>Peers allowed to send a PROXY preamble (<c>proxy_allow_ips</c>).</summary>
    public IpAllowList ProxyAllowIps { get; init; } = IpAllowList.Parse("127.0.0.1,::1");

    /// <summary>Peers whose scheme headers are trusted (<c>forwarded_allow_ips</c>).</summary>
    public IpAllowList ForwardedAllowIps { get; init; } = IpAllowList.Parse("127.0.0.1,::1");

    /// <summary>Header/value pairs that mean the client spoke HTTPS to a trusted proxy (<c>secure_scheme_headers</c>).</summary>
    public IReadOnlyDictionary<string, string> SecureSchemeHeaders { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["X-Forwarded-Protocol"] = "ssl",
        ["X-Forwarded-Proto"] = "https",
        ["X-Forwarded-Ssl"] = "on",
    };

    /// <summary>The Server header value.</summary>
    public string ServerHeader { get; init; } = "AkkaGunicorn";

    /// <summary>Most unread request-body bytes to discard after a response to keep the connection; beyond it, close.</summary>
    public long MaxDrainBytes { get; init; } = 64 * 1024;

    /// <summary>Told about each finished exchange (access log, metrics), or null.</summary>
    public IExchangeObserver? Observer { get; init; }
}
