using AkkaGunicorn.Http.Parsing;
using AkkaGunicorn.Workers.Boot;
using AkkaGunicorn.Workers.Hosting;
using AkkaGunicorn.Workers.Logging;
using AkkaGunicorn.Workers.Tls;

namespace AkkaGunicorn.Arbiter.Settings;

/// <summary>The validated, effective configuration: reference.conf ← config file ← AKKAGUNICORN_CMD_ARGS ← flags.</summary>
public sealed record ServerSettings
{
    /// <summary>The <c>bind</c> addresses as written.</summary>
    public IReadOnlyList<string> BindTexts => (IReadOnlyList<string>)Values["bind"];

    /// <summary>Raw values by key, after validation, for rendering back to HOCON.</summary>
    public required IReadOnlyDictionary<string, object> Values { get; init; }

    /// <summary>Listening addresses.</summary>
    public IReadOnlyList<BindAddress> Binds => BindTexts
        .Select(BindAddress.Parse)
        .Select(b => b with { Tls = b.Tls ?? ServesTls })
        .ToList();

    /// <summary>
    /// Whether an inherited socket (systemd's, or the upgraded Arbiter's) at <paramref name="address"/> speaks TLS: as the
    /// bind at that address says, else as bare binds do.
    /// </summary>
    public bool TlsFor(System.Net.EndPoint? address) =>
        Binds.FirstOrDefault(b => Equals(b.EndPoint, address) || b.EndPoint.ToString() == address?.ToString())?.Tls ?? ServesTls;

    /// <summary>Whether a certificate is configured (<c>certfile</c>): then bare binds speak TLS.</summary>
    public bool ServesTls => ((string)Values["certfile"]).Length > 0;

    /// <summary>Worker processes.</summary>
    public int Workers => Int("workers");

    /// <summary>Concurrent connections per worker.</summary>
    public int WorkerConnections => Int("worker_connections");

    /// <summary>Each worker listens on its own SO_REUSEPORT socket and the kernel balances.</summary>
    public bool ReusePort => Bool("reuse_port");

    /// <summary>Listen backlog.</summary>
    public int Backlog => Int("backlog");

    /// <summary>Graceful stop timeout.</summary>
    public TimeSpan GracefulTimeout => TimeSpan.FromSeconds(Int("graceful_timeout"));

    /// <summary>Worker silence timeout; zero disables it.</summary>
    public TimeSpan Timeout => TimeSpan.FromSeconds(Int("timeout"));

    /// <summary>Requests before a worker is recycled; 0 never.</summary>
    public long MaxRequests => (long)Values["max_requests"];

    /// <summary>Resident memory in bytes beyond which a worker is recycled; 0 never.</summary>
    public long MaxWorkerMemory => (long)Values["max_worker_memory"] << 20;

    /// <summary>Random extra requests per worker.</summary>
    public long MaxRequestsJitter => (long)Values["max_requests_jitter"];

    /// <summary>How often workers heartbeat: often enough that <see cref="Timeout"/> sees several.</summary>
    public TimeSpan HeartbeatInterval => Timeout == TimeSpan.Zero ? TimeSpan.FromSeconds(1)
        : TimeSpan.FromTicks(Math.Clamp(Timeout.Ticks / 4, TimeSpan.FromMilliseconds(100).Ticks, TimeSpan.FromSeconds(1).Ticks));

    /// <summary>The longest an idle worker goes without a heartbeat: a third of <see cref="Timeout"/>, at most 10 s.</summary>
    public TimeSpan MaxHeartbeatSilence => Timeout == TimeSpan.Zero ? TimeSpan.FromSeconds(10)
        : TimeSpan.FromTicks(Math.Clamp(Timeout.Ticks / 3, HeartbeatInterval.Ticks, TimeSpan.FromSeconds(10).Ticks));

    /// <summary>The pidfile path, or null.</summary>
    public string? PidFile => (string)Values["pidfile"] is { Length: > 0 } path ? Path.GetFullPath(path) : null;

    /// <summary>How a reload replaces the workers: "generation" or "rolling".</summary>
    public string ReloadStrategy => (string)Values["reload_strategy"];

    /// <summary>The directory to work in, or null to stay.</summary>
    public string? Chdir => (string)Values["chdir"] is { Length: > 0 } dir ? dir : null;

    /// <summary>Environment variables for the workers.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> RawEnv => ((IReadOnlyList<string>)Values["raw_env"])
        .Select(e => new KeyValuePair<string, string>(e[..e.IndexOf('=')], e[(e.IndexOf('=') + 1)..])).ToList();

    /// <summary>The mode of Unix socket files bound for HTTP (<c>unix_socket_mode</c>), or null to leave it to the umask.</summary>
    public UnixFileMode? UnixSocketMode => (string)Values["unix_socket_mode"] is { Length: > 0 } mode ? (UnixFileMode)Convert.ToInt32(mode, 8) : null;

    /// <summary>
    /// Where syslog datagrams go (<c>syslog</c>, <c>syslog_addr</c>, <c>syslog_facility</c>, <c>syslog_prefix</c>); access
    /// lines go there too unless <c>disable_redirect_access_to_syslog</c>, as in Gunicorn. Null when off.
    /// </summary>
    public SyslogSettings? Syslog => Bool("syslog")
        ? new SyslogSettings((string)Values["syslog_addr"], SyslogTarget.Facilities[(string)Values["syslog_facility"]],
            (string)Values["syslog_prefix"] is { Length: > 0 } prefix ? prefix : ProcName.Replace(':', '.'), !Bool("disable_redirect_access_to_syslog"))
        : null;

    /// <summary>The OTLP/HTTP collector the server's metrics are pushed to (<c>otlp_endpoint</c>), or null for none.</summary>
    public Uri? OtlpEndpoint => (string)Values["otlp_endpoint"] is { Length: > 0 } endpoint
        ? new Uri(endpoint.EndsWith('/') ? endpoint : endpoint + "/")
        : null;

    /// <summary>Where the Prometheus endpoint listens (<c>metrics_bind</c>), or null for none.</summary>
    public BindAddress? MetricsBind => (string)Values["metrics_bind"] is { Length: > 0 } bind ? BindAddress.Parse(bind) : null;

    /// <summary>The file-creation mask, or null to leave it.</summary>
    public uint? Umask => (string)Values["umask"] is { Length: > 0 } mask ? Convert.ToUInt32(mask, 8) : null;

    /// <summary>The user workers run as, or null.</summary>
    public string? User => (string)Values["user"] is { Length: > 0 } user ? user : null;

    /// <summary>The group workers run as, or null.</summary>
    public string? Group => (string)Values["group"] is { Length: > 0 } group ? group : null;

    /// <summary>The process name.</summary>
    public string ProcName => (string)Values["proc_name"];

    /// <summary>Development reload on file changes.</summary>
    public bool Reload => Bool("reload");

    /// <summary>Extra files watched by <see cref="Reload"/>.</summary>
    public IReadOnlyList<string> ReloadExtraFiles => (IReadOnlyList<string>)Values["reload_extra_files"];

    /// <summary>The error log: "-" or a path.</summary>
    public string ErrorLog => (string)Values["errorlog"] is { Length: > 0 } log ? log : "-";

    /// <summary>The access log: null for none, "-" or a path.</summary>
    public string? AccessLog => (string)Values["accesslog"] is { Length: > 0 } log ? log : null;

    /// <summary>The access log line format.</summary>
    public string AccessLogFormat => (string)Values["access_log_format"];

    /// <summary>Workers' stdout and stderr go to the error log file.</summary>
    public bool CaptureOutput => Bool("capture_output");

    /// <summary>Serilog's own configuration file (<c>logconfig_json</c>), or null.</summary>
    public string? LogConfigJson => (string)Values["logconfig_json"] is { Length: > 0 } json ? json : null;

    /// <summary>Serilog's configuration from <c>logging</c>, its "Serilog" section's keys flattened; empty for none.</summary>
    public IReadOnlyDictionary<string, string> LogConfigTree => (IReadOnlyDictionary<string, string>)Values["logging"];

    /// <summary>The setting(s) Serilog's configuration came from, with their values, for an error that names them.</summary>
    public string DescribeLogConfig()
    {
        var tree = "{" + string.Join(", ", LogConfigTree.Select(kv => $"{kv.Key} = {kv.Value}")) + "}";
        return (LogConfigJson, LogConfigTree.Count) switch
        {
            (null, _) => $"setting 'logging' = '{tree}'",
            (var json, 0) => $"setting 'logconfig_json' = '{json}'",
            (var json, _) => $"settings 'logconfig_json' = '{json}' and 'logging' = '{tree}'",
        };
    }

    /// <summary>JSON error log lines.</summary>
    public bool LogJson => Bool("log_json");

    /// <summary>statsd "HOST:PORT", or null.</summary>
    public string? StatsdHost => (string)Values["statsd_host"] is { Length: > 0 } host ? host : null;

    /// <summary>The statsd metric prefix.</summary>
    public string StatsdPrefix => (string)Values["statsd_prefix"];

    /// <summary>DogStatsD tags, or "".</summary>
    public string DogstatsdTags => (string)Values["dogstatsd_tags"];

    /// <summary>The configured control socket path ("" for the default place), or null when disabled.</summary>
    public string? ControlSocket => Bool("control_socket_disable") ? null : (string)Values["control_socket"];

    /// <summary>The control socket's permissions.</summary>
    public UnixFileMode ControlSocketMode => (UnixFileMode)Convert.ToInt32(((string)Values["control_socket_mode"]).Replace("0o", "", StringComparison.OrdinalIgnoreCase), 8);

    /// <summary>The most workers scaling may reach.</summary>
    public int MaxWorkers => Math.Max(Int("max_workers"), Workers);

    /// <summary>Log level name.</summary>
    public string LogLevel => (string)Values["loglevel"];

    /// <summary>The APP argument.</summary>
    public string App => (string)Values["app"];

    /// <summary>The HTTP settings, typed.</summary>
    public HttpSettings HttpSettings => new()
    {
        LimitRequestLine = Int("limit_request_line"),
        LimitRequestFields = Int("limit_request_fields"),
        LimitRequestFieldSize = Int("limit_request_field_size"),
        PermitObsoleteFolding = Bool("permit_obsolete_folding"),
        PermitUnconventionalHttpMethod = Bool("permit_unconventional_http_method"),
        CasefoldHttpMethod = Bool("casefold_http_method"),
        StripHeaderSpaces = Bool("strip_header_spaces"),
        HeaderMap = Enum.Parse<HeaderMapPolicy>((string)Values["header_map"], ignoreCase: true),
        ForwarderHeaders = ((string)Values["forwarder_headers"]).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        KeepAlive = TimeSpan.FromSeconds(Int("keepalive")),
        RequestHeaderTimeout = TimeSpan.FromSeconds(Int("request_header_timeout")),
        MinRequestBodyRate = Int("min_request_body_rate"),
        MinResponseRate = Int("min_response_rate"),
        DataRateGrace = TimeSpan.FromSeconds(Int("data_rate_grace")),
        ProxyProtocol = Bool("proxy_protocol"),
        ProxyAllowIps = (string)Values["proxy_allow_ips"],
        ForwardedAllowIps = (string)Values["forwarded_allow_ips"],
        SecureSchemeHeaders = (IReadOnlyDictionary<string, string>)Values["secure_scheme_headers"],
        RootPath = (string)Values["root_path"],
        HttpProtocols = Http.Http2.HttpProtocols.Parse((string)Values["http_protocols"]),
        Http2MaxConcurrentStreams = Int("http2_max_concurrent_streams"),
        Http2InitialWindowSize = Int("http2_initial_window_size"),
        Http2MaxFrameSize = Int("http2_max_frame_size"),
        Http2MaxHeaderListSize = Int("http2_max_header_list_size"),
    };

    /// <summary>The cluster settings, or null when <c>cluster.enabled</c> is off.</summary>
    public ClusterSettings? Cluster => Bool("cluster.enabled") ? ClusterSettings.From(Values) : null;

    /// <summary>The TLS settings as configured, or null when <c>certfile</c> is not set.</summary>
    public TlsSettings? Tls => (string)Values["certfile"] is { Length: > 0 } certFile
        ? new TlsSettings(certFile, (string)Values["keyfile"], (string)Values["ca_certs"], Int("cert_reqs"), (string)Values["ssl_version"],
            (string)Values["ciphers"], TimeSpan.FromSeconds(Int("ssl_handshake_timeout")), (IReadOnlyDictionary<string, string>)Values["sni_certfiles"],
            Http.Http2.HttpProtocols.Parse((string)Values["http_protocols"]))
        : null;

    /// <summary>How the processes log.</summary>
    public LogSettings Log => new(LogLevel, ErrorLog, LogJson, CaptureOutput, LogConfigJson, LogConfigTree, DescribeLogConfig());

    /// <summary>What the workers of this configuration are told, typed (their <see cref="WorkerBoot"/> carries it).</summary>
    public WorkerSettings ForWorkers() => new()
    {
        App = App,
        ProcName = ProcName,
        Log = Log,
        Syslog = Syslog,
        StatsdHost = StatsdHost,
        StatsdPrefix = StatsdPrefix,
        DogstatsdTags = DogstatsdTags,
        OtlpEndpoint = OtlpEndpoint,
        Tls = Tls,
        Http = HttpSettings,
        WorkerConnections = WorkerConnections,
        ReusePort = ReusePort,
        Backlog = Backlog,
        AccessLog = AccessLog,
        AccessLogFormat = AccessLogFormat,
        Recycle = new RecycleLimits(MaxRequests, MaxRequestsJitter, MaxWorkerMemory),
        HeartbeatInterval = HeartbeatInterval,
        MaxSilence = MaxHeartbeatSilence,
        GracefulTimeout = GracefulTimeout,
        ThreadPoolSpins = Hosting.ThreadPoolSpin.Pays(Workers, Environment.ProcessorCount),
    };

    /// <summary>
    /// The TLS settings loaded (certificate files read and checked), or null when <c>certfile</c> is not set. Throws
    /// <see cref="ConfigException"/> naming the setting at fault.
    /// </summary>
    public ServerTls? LoadTls()
    {
        try
        {
            return Tls?.Load();
        }
        catch (TlsConfigurationException e)
        {
            throw new ConfigException(e.Key, e.Value, e.Why);
        }
    }

    private int Int(string key) => (int)(long)Values[key];

    private bool Bool(string key) => (bool)Values[key];
}
