using AkkaGunicorn.Http.Parsing;

namespace AkkaGunicorn.Http.Server;

/// <summary>Everything the HTTP stages need to know, fixed for a worker's lifetime.</summary>
public sealed record HttpServerOptions
{
    /// <summary>Parser limits and compatibility switches.</summary>
    public HttpParserOptions Parser { get; init; } = new();

    /// <summary>How long an idle keep-alive connection waits for its next request (<c>keepalive</c>).</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a client may take to send a whole request head (<c>request_header_timeout</c>): from the connection's
    /// start for its first request, from the head's first byte for later ones, whatever trickles in meanwhile.
    /// </summary>
    public TimeSpan RequestHeaderTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The slowest a request body may arrive, in bytes per second, once the grace period is over; 0 for no limit (<c>min_request_body_rate</c>).</summary>
    public int MinRequestBodyRate { get; init; } = 240;

    /// <summary>The slowest a client may read a response, in bytes per second, once the grace period is over; 0 for no limit (<c>min_response_rate</c>).</summary>
    public int MinResponseRate { get; init; } = 240;

    /// <summary>How long a body or a response may go slower than its minimum rate before it counts (<c>data_rate_grace</c>).</summary>
    public TimeSpan DataRateGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Accept a PROXY protocol v1/v2 preamble at the start of a connection (<c>proxy_protocol</c>).</summary>
    public bool ProxyProtocol { get; init; }

    /// <summary>Peers allowed to send a PROXY preamble (<c>proxy_allow_ips</c>).</summary>
    public IpAllowList ProxyAllowIps { get; init; } = IpAllowList.Parse("127.0.0.1,::1");

    /// <summary>Peers trusted as a front-end proxy: their scheme and forwarder headers count (<c>forwarded_allow_ips</c>).</summary>
    public IpAllowList ForwardedAllowIps { get; init; } = IpAllowList.Parse("127.0.0.1,::1");

    /// <summary>Header/value pairs that mean the client spoke HTTPS to a trusted proxy (<c>secure_scheme_headers</c>).</summary>
    public IReadOnlyDictionary<string, string> SecureSchemeHeaders { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["X-Forwarded-Protocol"] = "ssl",
        ["X-Forwarded-Proto"] = "https",
        ["X-Forwarded-Ssl"] = "on",
    };

    /// <summary>
    /// Where the app is mounted, without a trailing '/' (<c>root_path</c>, Gunicorn's SCRIPT_NAME), or "": a request
    /// under it reaches the app with that <see cref="App.HttpRequest.PathBase"/>.
    /// </summary>
    public string RootPath { get; init; } = "";

    /// <summary>
    /// Whether to make an <see cref="System.Diagnostics.Activity"/> per request (<see cref="RequestTracing"/>) when
    /// something listens: on for native apps, off for ASP.NET Core apps, whose hosting makes its own.
    /// </summary>
    public bool Tracing { get; init; } = true;

    /// <summary>The Server header value.</summary>
    public string ServerHeader { get; init; } = "AkkaGunicorn";

    /// <summary>Most unread request-body bytes to discard after a response to keep the connection; beyond it, close.</summary>
    public long MaxDrainBytes { get; init; } = 64 * 1024;

    /// <summary>HTTP/2 settings when <c>http_protocols</c> lists <c>h2</c>; null for HTTP/1.x alone.</summary>
    public Http2.Http2Options? Http2 { get; init; }

    /// <summary>Told about each finished exchange (access log, metrics), or null.</summary>
    public IExchangeObserver? Observer { get; init; }
}
