namespace AkkaGunicorn.Arbiter.Settings;

/// <summary>Every setting there is, with Gunicorn's names. Defaults live in reference.conf.</summary>
public static class SettingsCatalog
{
    /// <summary>The settings, by key, each in its group (Gunicorn's settings reference's sections, which --help follows).</summary>
    public static readonly IReadOnlyDictionary<string, SettingDefinition> All = Sections(
        ("Server socket",
        [
            new("bind", SettingKind.List, ["-b", "--bind"]),
            new("backlog", SettingKind.Integer, ["--backlog"], 1, 65535),
            new("reuse_port", SettingKind.Boolean, ["--reuse-port"]),
            new("unix_socket_mode", SettingKind.Text, ["--unix-socket-mode"]),
        ]),
        ("Worker processes",
        [
            // Gunicorn's rule of thumb: two workers per core plus one.
            new("workers", SettingKind.Integer, ["-w", "--workers"], 1, 1024, Auto: () => 2L * Environment.ProcessorCount + 1),
            // A ceiling for TTIN and "worker add": by default 8 per CPU, or workers if that is more.
            new("max_workers", SettingKind.Integer, ["--max-workers"], 1, 1024, Auto: () => 8L * Environment.ProcessorCount),
            new("worker_connections", SettingKind.Integer, ["--worker-connections"], 1, 1_000_000),
            new("max_requests", SettingKind.Integer, ["--max-requests"], 0, long.MaxValue / 2),
            new("max_requests_jitter", SettingKind.Integer, ["--max-requests-jitter"], 0, long.MaxValue / 2),
            new("max_worker_memory", SettingKind.Integer, ["--max-worker-memory"], 0, 1 << 30),
            new("timeout", SettingKind.Integer, ["-t", "--timeout"], 0, 86400),
            new("graceful_timeout", SettingKind.Integer, ["--graceful-timeout"], 0, 86400),
            new("keepalive", SettingKind.Integer, ["--keep-alive", "--keepalive"], 0, 3600),
            new("reload_strategy", SettingKind.Choice, ["--reload-strategy"], Choices: ["generation", "rolling"]),
        ]),
        ("Security",
        [
            new("limit_request_line", SettingKind.Integer, ["--limit-request-line"], 0, 65535),
            new("limit_request_fields", SettingKind.Integer, ["--limit-request-fields"], 0, 32768),
            new("limit_request_field_size", SettingKind.Integer, ["--limit-request-field-size", "--limit-request-field_size"], 0, 65535),
            new("request_header_timeout", SettingKind.Integer, ["--request-header-timeout"], 1, 86400),
            new("min_request_body_rate", SettingKind.Integer, ["--min-request-body-rate"], 0, 1L << 30),
            new("min_response_rate", SettingKind.Integer, ["--min-response-rate"], 0, 1L << 30),
            new("data_rate_grace", SettingKind.Integer, ["--data-rate-grace"], 0, 3600),
        ]),
        ("Debugging",
        [
            new("reload", SettingKind.Boolean, ["--reload"]),
            new("reload_extra_files", SettingKind.List, ["--reload-extra-file"]),
        ]),
        ("Logging",
        [
            new("errorlog", SettingKind.Text, ["--error-logfile", "--log-file"]),
            new("accesslog", SettingKind.Text, ["--access-logfile"]),
            new("access_log_format", SettingKind.Text, ["--access-logformat"]),
            new("loglevel", SettingKind.Choice, ["--log-level", "--loglevel"], Choices: ["debug", "info", "warning", "error", "critical"]),
            new("capture_output", SettingKind.Boolean, ["--capture-output"]),
            new("log_json", SettingKind.Boolean, ["--log-json"]),
            new("logconfig_json", SettingKind.Text, ["--log-config-json"]),
            new("logging", SettingKind.Tree, ["--logging"]),
            new("statsd_host", SettingKind.Text, ["--statsd-host"]),
            new("statsd_prefix", SettingKind.Text, ["--statsd-prefix"]),
            new("dogstatsd_tags", SettingKind.Text, ["--dogstatsd-tags"]),
            new("metrics_bind", SettingKind.Text, ["--metrics-bind"]),
            new("otlp_endpoint", SettingKind.Text, ["--otlp-endpoint"]),
            new("syslog", SettingKind.Boolean, ["--log-syslog"]),
            new("syslog_addr", SettingKind.Text, ["--log-syslog-to"]),
            new("syslog_prefix", SettingKind.Text, ["--log-syslog-prefix"]),
            new("syslog_facility", SettingKind.Text, ["--log-syslog-facility"]),
            new("disable_redirect_access_to_syslog", SettingKind.Boolean, ["--disable-redirect-access-to-syslog"]),
        ]),
        ("Process naming",
        [
            new("proc_name", SettingKind.Text, ["-n", "--name"]),
        ]),
        ("Server mechanics",
        [
            new("pidfile", SettingKind.Text, ["-p", "--pid", "--pidfile"]),
            new("chdir", SettingKind.Text, ["--chdir"]),
            new("raw_env", SettingKind.List, ["-e", "--env"]),
            new("umask", SettingKind.Text, ["-m", "--umask"]),
            new("user", SettingKind.Text, ["-u", "--user"]),
            new("group", SettingKind.Text, ["-g", "--group"]),
            new("control_socket", SettingKind.Text, ["--control-socket"]),
            new("control_socket_mode", SettingKind.Text, ["--control-socket-mode"]),
            new("control_socket_disable", SettingKind.Boolean, ["--no-control-socket", "--control-socket-disable"]),
            new("proxy_protocol", SettingKind.Boolean, ["--proxy-protocol"]),
            new("proxy_allow_ips", SettingKind.Text, ["--proxy-allow-from"]),
            new("forwarded_allow_ips", SettingKind.Text, ["--forwarded-allow-ips"]),
            new("secure_scheme_headers", SettingKind.Map, ["--secure-scheme-headers"]),
            new("forwarder_headers", SettingKind.Text, ["--forwarder-headers"]),
            new("root_path", SettingKind.Text, ["--root-path"]),
            new("permit_obsolete_folding", SettingKind.Boolean, ["--permit-obsolete-folding"]),
            new("permit_unconventional_http_method", SettingKind.Boolean, ["--permit-unconventional-http-method"]),
            new("casefold_http_method", SettingKind.Boolean, ["--casefold-http-method"]),
            new("strip_header_spaces", SettingKind.Boolean, ["--strip-header-spaces"]),
            new("header_map", SettingKind.Choice, ["--header-map"], Choices: ["drop", "refuse", "dangerous"]),
        ]),
        ("HTTP/2",
        [
            new("http_protocols", SettingKind.Text, ["--http-protocols"]),
            new("http2_max_concurrent_streams", SettingKind.Integer, ["--http2-max-concurrent-streams"], 1, 1_000_000),
            new("http2_initial_window_size", SettingKind.Integer, ["--http2-initial-window-size"], 1, int.MaxValue),
            new("http2_max_frame_size", SettingKind.Integer, ["--http2-max-frame-size"], 16384, 16777215),
            new("http2_max_header_list_size", SettingKind.Integer, ["--http2-max-header-list-size"], 1024, 16 << 20),
        ]),
        ("SSL",
        [
            new("certfile", SettingKind.Text, ["--certfile"]),
            new("keyfile", SettingKind.Text, ["--keyfile"]),
            new("sni_certfiles", SettingKind.Map, ["--sni-certfiles"]),
            new("ca_certs", SettingKind.Text, ["--ca-certs"]),
            new("cert_reqs", SettingKind.Integer, ["--cert-reqs"], 0, 2),
            new("ssl_version", SettingKind.Choice, ["--ssl-version"], Choices: ["tlsv1_2", "tlsv1_3"]),
            new("ciphers", SettingKind.Text, ["--ciphers"]),
            new("ssl_handshake_timeout", SettingKind.Integer, ["--ssl-handshake-timeout"], 1, 600),
        ]),
        ("Cluster",
        [
            new("cluster.enabled", SettingKind.Boolean, ["--cluster"]),
            new("cluster.bind", SettingKind.Text, ["--cluster-bind"]),
            new("cluster.public_hostname", SettingKind.Text, ["--cluster-public-hostname"]),
            new("cluster.seed_nodes", SettingKind.List, ["--cluster-seed-node"]),
            new("cluster.roles", SettingKind.List, ["--cluster-role"]),
            new("cluster.certfile", SettingKind.Text, ["--cluster-certfile"]),
            new("cluster.keyfile", SettingKind.Text, ["--cluster-keyfile"]),
            new("cluster.ca_certs", SettingKind.Text, ["--cluster-ca-certs"]),
            new("cluster.down_after", SettingKind.Integer, ["--cluster-down-after"], 1, 3600),
            new("cluster.split_brain_resolver", SettingKind.Choice, ["--cluster-split-brain-resolver"],
                Choices: ["keep-majority", "keep-oldest", "down-all"]),
        ]),
        // The app is the positional argument, not a flag.
        ("", [new("app", SettingKind.Text, [])]));

    /// <summary>The groups in the order --help shows them.</summary>
    public static IReadOnlyList<string> Groups => All.Values.Select(d => d.Group).Where(g => g.Length > 0).Distinct().ToList();

    private static Dictionary<string, SettingDefinition> Sections(params (string Group, SettingDefinition[] Settings)[] sections) =>
        sections.SelectMany(s => s.Settings.Select(d => d with { Group = s.Group })).ToDictionary(d => d.Key);

    /// <summary>The setting a command-line flag sets, or null.</summary>
    public static SettingDefinition? ForFlag(string flag) =>
        All.Values.FirstOrDefault(d => d.Flags.Contains(flag) || (flag.StartsWith("--") && flag[2..].Replace('-', '_') == d.Key));
}
