using AkkaGunicorn.Http.Http2;
using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Parsing;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Workers.Logging;
using AkkaGunicorn.Workers.Hosting;
using AkkaGunicorn.Workers.Tls;

namespace AkkaGunicorn.Workers.Boot;

/// <summary>
/// The settings a worker runs with, typed: what the Arbiter resolved from its configuration for this generation. The
/// worker reads them from its <see cref="WorkerBoot"/>, never from configuration text.
/// </summary>
public sealed record WorkerSettings
{
    /// <summary>The APP argument.</summary>
    public required string App { get; init; }

    /// <summary>The process name (<c>proc_name</c>).</summary>
    public required string ProcName { get; init; }

    /// <summary>How the worker logs.</summary>
    public required LogSettings Log { get; init; }

    /// <summary>Where the error and access logs also go as syslog datagrams, or null.</summary>
    public SyslogSettings? Syslog { get; init; }

    /// <summary>statsd "HOST:PORT", or null.</summary>
    public string? StatsdHost { get; init; }

    /// <summary>The statsd metric prefix.</summary>
    public string StatsdPrefix { get; init; } = "";

    /// <summary>DogStatsD tags, or "".</summary>
    public string DogstatsdTags { get; init; } = "";

    /// <summary>The OTLP/HTTP collector request traces go to, or null.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>The certificate files and TLS options, or null when no listener speaks TLS.</summary>
    public TlsSettings? Tls { get; init; }

    /// <summary>The HTTP stages' settings.</summary>
    public required HttpSettings Http { get; init; }

    /// <summary>Most concurrent connections (<c>worker_connections</c>).</summary>
    public int WorkerConnections { get; init; } = 1000;

    /// <summary>Listen on a SO_REUSEPORT socket of this worker's own for each TCP address.</summary>
    public bool ReusePort { get; init; }

    /// <summary>The listen backlog, for sockets the worker binds itself.</summary>
    public int Backlog { get; init; } = 2048;

    /// <summary>The access log: null for none, "-" for stdout, or a path.</summary>
    public string? AccessLog { get; init; }

    /// <summary>The access log line format.</summary>
    public required string AccessLogFormat { get; init; }

    /// <summary>When the worker asks to be replaced: <c>max_requests</c> (and its jitter), <c>max_worker_memory</c>.</summary>
    public required RecycleLimits Recycle { get; init; }

    /// <summary>How often to heartbeat while there is news.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest an idle worker stays silent: well within the Arbiter's <c>timeout</c>.</summary>
    public TimeSpan MaxSilence { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether the worker's thread-pool threads may spin before they sleep (the runtime's default), which pays only
    /// when the worker has cores to spare; the Arbiter decides from the number of workers and cores.
    /// </summary>
    public bool ThreadPoolSpins { get; init; } = true;

    /// <summary>How long in-flight requests get when this worker is sent TERM directly (<c>graceful_timeout</c>).</summary>
    public TimeSpan GracefulTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>The error log's settings.</summary>
/// <param name="Level">The level name (<c>loglevel</c>).</param>
/// <param name="ErrorLog">"-" for stderr, or a path.</param>
/// <param name="Json">JSON lines (<c>log_json</c>).</param>
/// <param name="CaptureOutput">Redirect the app's stdout and stderr into the error log.</param>
/// <param name="ConfigJson">Serilog's JSON configuration file (<c>logconfig_json</c>), or null.</param>
/// <param name="ConfigTree">Serilog's configuration from <c>logging</c>, flattened; empty for none.</param>
/// <param name="ConfigDescription">The settings Serilog's configuration came from, for an error that names them.</param>
public sealed record LogSettings(string Level, string ErrorLog, bool Json, bool CaptureOutput, string? ConfigJson,
    IReadOnlyDictionary<string, string> ConfigTree, string ConfigDescription);

/// <summary>Where syslog datagrams go, tagged <c>akkagunicorn.PREFIX.error</c> and <c>.access</c>.</summary>
/// <param name="Address">The <c>syslog_addr</c> (udp://HOST:PORT or unix://PATH).</param>
/// <param name="Facility">The facility's number.</param>
/// <param name="Prefix">The tag's middle part (<c>syslog_prefix</c>, else the process name).</param>
/// <param name="Access">Whether access lines go there too (unless <c>disable_redirect_access_to_syslog</c>).</param>
public sealed record SyslogSettings(string Address, int Facility, string Prefix, bool Access)
{
    /// <summary>Opens the channel for one log (<c>error</c> or <c>access</c>), or null when the address is unusable.</summary>
    public SyslogWriter? Open(string log) =>
        SyslogTarget.TryParse(Address, out var target) ? new SyslogWriter(target!, Facility, $"akkagunicorn.{Prefix}.{log}") : null;
}

/// <summary>The TLS settings as configured: files and options, loaded by <see cref="Load"/>.</summary>
public sealed record TlsSettings(string CertFile, string KeyFile, string CaCerts, int CertReqs, string SslVersion, string Ciphers,
    TimeSpan HandshakeTimeout, IReadOnlyDictionary<string, string> SniCertFiles, IReadOnlyList<string> Protocols)
{
    /// <summary>Reads and checks the certificates; throws <see cref="TlsConfigurationException"/> naming the setting at fault.</summary>
    public ServerTls Load() => ServerTls.Load(CertFile, KeyFile, CaCerts, CertReqs, SslVersion, Ciphers, HandshakeTimeout, SniCertFiles,
        HttpProtocols.Alpn(Protocols));
}

/// <summary>The HTTP settings as configured, turned into the stages' options by <see cref="ToOptions"/>.</summary>
public sealed record HttpSettings
{
    /// <summary><c>limit_request_line</c>.</summary>
    public int LimitRequestLine { get; init; }

    /// <summary><c>limit_request_fields</c>.</summary>
    public int LimitRequestFields { get; init; }

    /// <summary><c>limit_request_field_size</c>.</summary>
    public int LimitRequestFieldSize { get; init; }

    /// <summary><c>permit_obsolete_folding</c>.</summary>
    public bool PermitObsoleteFolding { get; init; }

    /// <summary><c>permit_unconventional_http_method</c>.</summary>
    public bool PermitUnconventionalHttpMethod { get; init; }

    /// <summary><c>casefold_http_method</c>.</summary>
    public bool CasefoldHttpMethod { get; init; }

    /// <summary><c>strip_header_spaces</c>.</summary>
    public bool StripHeaderSpaces { get; init; }

    /// <summary><c>header_map</c>.</summary>
    public HeaderMapPolicy HeaderMap { get; init; }

    /// <summary><c>forwarder_headers</c>, split.</summary>
    public IReadOnlyList<string> ForwarderHeaders { get; init; } = [];

    /// <summary><c>keepalive</c>.</summary>
    public TimeSpan KeepAlive { get; init; }

    /// <summary><c>request_header_timeout</c>.</summary>
    public TimeSpan RequestHeaderTimeout { get; init; }

    /// <summary><c>min_request_body_rate</c> (bytes/s).</summary>
    public int MinRequestBodyRate { get; init; }

    /// <summary><c>min_response_rate</c> (bytes/s).</summary>
    public int MinResponseRate { get; init; }

    /// <summary><c>data_rate_grace</c>.</summary>
    public TimeSpan DataRateGrace { get; init; }

    /// <summary><c>proxy_protocol</c>.</summary>
    public bool ProxyProtocol { get; init; }

    /// <summary><c>proxy_allow_ips</c>, as written.</summary>
    public string ProxyAllowIps { get; init; } = "";

    /// <summary><c>forwarded_allow_ips</c>, as written.</summary>
    public string ForwardedAllowIps { get; init; } = "";

    /// <summary><c>secure_scheme_headers</c>.</summary>
    public IReadOnlyDictionary<string, string> SecureSchemeHeaders { get; init; } = new Dictionary<string, string>();

    /// <summary><c>root_path</c>, as written.</summary>
    public string RootPath { get; init; } = "";

    /// <summary><c>http_protocols</c>, in order of preference: <c>h1</c>, <c>h2</c>.</summary>
    public IReadOnlyList<string> HttpProtocols { get; init; } = ["h1"];

    /// <summary><c>http2_max_concurrent_streams</c>.</summary>
    public int Http2MaxConcurrentStreams { get; init; } = 100;

    /// <summary><c>http2_initial_window_size</c>.</summary>
    public int Http2InitialWindowSize { get; init; } = 65535;

    /// <summary><c>http2_max_frame_size</c>.</summary>
    public int Http2MaxFrameSize { get; init; } = 16384;

    /// <summary><c>http2_max_header_list_size</c>.</summary>
    public int Http2MaxHeaderListSize { get; init; } = 65536;

    /// <summary>The HTTP stages' options.</summary>
    public HttpServerOptions ToOptions() => new()
    {
        Parser = new HttpParserOptions
        {
            LimitRequestLine = LimitRequestLine,
            LimitRequestFields = LimitRequestFields,
            LimitRequestFieldSize = LimitRequestFieldSize,
            PermitObsoleteFolding = PermitObsoleteFolding,
            PermitUnconventionalHttpMethod = PermitUnconventionalHttpMethod,
            CasefoldHttpMethod = CasefoldHttpMethod,
            StripHeaderSpaces = StripHeaderSpaces,
            HeaderMap = HeaderMap,
            ForwarderHeaders = [.. ForwarderHeaders],
        },
        KeepAlive = KeepAlive,
        RequestHeaderTimeout = RequestHeaderTimeout,
        MinRequestBodyRate = MinRequestBodyRate,
        MinResponseRate = MinResponseRate,
        DataRateGrace = DataRateGrace,
        ProxyProtocol = ProxyProtocol,
        ProxyAllowIps = IpAllowList.Parse(ProxyAllowIps),
        ForwardedAllowIps = IpAllowList.Parse(ForwardedAllowIps),
        SecureSchemeHeaders = new Dictionary<string, string>(SecureSchemeHeaders, StringComparer.OrdinalIgnoreCase),
        RootPath = MountPoint.Normalize(RootPath),
        Http2 = HttpProtocols.Contains("h2")
            ? new Http2Options
            {
                MaxConcurrentStreams = Http2MaxConcurrentStreams,
                InitialWindowSize = Http2InitialWindowSize,
                MaxFrameSize = Http2MaxFrameSize,
                MaxHeaderListSize = Http2MaxHeaderListSize,
                AlsoHttp1 = HttpProtocols.Contains("h1"),
            }
            : null,
    };
}
