using System.Globalization;
using System.Reflection;
using System.Text;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using AkkaGunicorn.Http.Server;

namespace AkkaGunicorn.Arbiter.Settings;

/// <summary>Builds <see cref="ServerSettings"/> from reference.conf, a HOCON file and overrides, refusing anything unknown or out of range.</summary>
public static class SettingsLoader
{
    /// <summary>The embedded reference configuration.</summary>
    public static string ReferenceText { get; } = ReadReference();

    /// <summary>Loads and validates. Throws <see cref="ConfigException"/>.</summary>
    public static ServerSettings Load(string? configPath, IReadOnlyDictionary<string, object> overrides)
    {
        var raw = ReadHocon(ReferenceText, "reference.conf");
        if (configPath is not null)
        {
            if (!File.Exists(configPath)) throw new ConfigException("config", configPath, "no such file");
            foreach (var (key, value) in ReadHocon(File.ReadAllText(configPath), configPath)) raw[key] = value;
        }
        foreach (var (key, value) in overrides) raw[key] = value;
        return Validate(raw);
    }

    /// <summary>Renders the effective settings as HOCON.</summary>
    public static string ToHocon(ServerSettings settings)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in settings.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            text.Append(key).Append(" = ").Append(value switch
            {
                IReadOnlyList<string> list => "[" + string.Join(", ", list.Select(Quote)) + "]",
                IReadOnlyDictionary<string, string> map => "{" + string.Join(", ", map.Select(kv => Quote(kv.Key) + " = " + Quote(kv.Value))) + "}",
                bool b => b ? "true" : "false",
                long n => n.ToString(CultureInfo.InvariantCulture),
                _ => Quote(value.ToString()!),
            }).Append('\n');
        }
        return text.ToString();
    }

    private static ServerSettings Validate(Dictionary<string, object?> raw)
    {
        var values = new Dictionary<string, object>();
        foreach (var (key, value) in raw)
        {
            if (!SettingsCatalog.All.TryGetValue(key, out var definition))
                throw new ConfigException(key, Describe(value), $"unknown setting; known settings: {string.Join(", ", SettingsCatalog.All.Keys.Order())}");
            values[key] = definition.Validate(value);
        }
        var settings = new ServerSettings { Values = values };
        if (settings.Binds.Count == 0) throw new ConfigException("bind", "[]", "expected at least one address");
        if (!settings.ServesTls && ((IReadOnlyDictionary<string, string>)values["sni_certfiles"]).Count > 0)
            throw new ConfigException("sni_certfiles", Describe(values["sni_certfiles"]), "serves certificates by host name beside the default one: set certfile too");
        if (!settings.ServesTls && settings.Binds.FirstOrDefault(b => b.Tls == true) is { } https)
            throw new ConfigException("bind", https.Text, "an https:// address needs a certificate: set certfile (and keyfile)");
        CheckIpList(values, "proxy_allow_ips");
        CheckIpList(values, "forwarded_allow_ips");
        CheckRootPath((string)values["root_path"]);
        if (Http.Http2.HttpProtocols.TryParse((string)values["http_protocols"], out var protocolsError) is null)
            throw new ConfigException("http_protocols", (string)values["http_protocols"], protocolsError);
        foreach (var (name, _) in (IReadOnlyDictionary<string, string>)values["secure_scheme_headers"])
            if (!IsToken(name)) throw new ConfigException("secure_scheme_headers", name, "expected a header name (letters, digits and !#$%&'*+-.^_`|~)");
        foreach (var name in ((string)values["forwarder_headers"]).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (name != "*" && !IsToken(name)) throw new ConfigException("forwarder_headers", (string)values["forwarder_headers"], $"'{name}' is not a header name; expected names separated by commas, or '*'");
        foreach (var entry in (IReadOnlyList<string>)values["raw_env"])
            if (entry.IndexOf('=') <= 0) throw new ConfigException("raw_env", entry, "expected KEY=VALUE");
        var umask = (string)values["umask"];
        if (umask.Length > 0 && (umask.Length > 4 || umask.Any(c => c is < '0' or > '7')))
            throw new ConfigException("umask", umask, "expected an octal mask such as 022 (at most 4 digits 0-7), or \"\" to leave it");
        try
        {
            _ = new AkkaGunicorn.Workers.Observability.AccessLogFormat((string)values["access_log_format"]);
        }
        catch (FormatException e)
        {
            throw new ConfigException("access_log_format", (string)values["access_log_format"], e.Message);
        }
        if ((string)values["statsd_host"] is { Length: > 0 } statsd && !AkkaGunicorn.Workers.Observability.StatsdTarget.TryParse(statsd, out _))
            throw new ConfigException("statsd_host", statsd, "expected HOST:PORT, e.g. 127.0.0.1:8125");
        if ((string)values["dogstatsd_tags"] is { Length: > 0 } tags && tags.Split(',').Any(t => t.Trim().Length == 0))
            throw new ConfigException("dogstatsd_tags", tags, "expected comma-separated tags such as env:prod,service:api");
        if (((string)values["proc_name"]).Length == 0) throw new ConfigException("proc_name", "", "expected a name");
        if (((string)values["proc_name"]).IndexOfAny(['/', '\0']) >= 0) throw new ConfigException("proc_name", (string)values["proc_name"], "expected a name without '/'");
        CheckControlSocketMode((string)values["control_socket_mode"]);
        ClusterSettings.Check(values);
        if ((string)values["otlp_endpoint"] is { Length: > 0 } otlp
            && !(Uri.TryCreate(otlp, UriKind.Absolute, out var otlpUri) && otlpUri.Scheme is "http" or "https"))
            throw new ConfigException("otlp_endpoint", otlp, "expected an OTLP/HTTP collector's base address, such as http://localhost:4318");
        if (!AkkaGunicorn.Workers.Logging.SyslogTarget.TryParse((string)values["syslog_addr"], out _))
            throw new ConfigException("syslog_addr", (string)values["syslog_addr"], "expected udp://HOST:PORT or unix://PATH, e.g. udp://localhost:514 or unix:///dev/log");
        if (!AkkaGunicorn.Workers.Logging.SyslogTarget.Facilities.ContainsKey((string)values["syslog_facility"]))
            throw new ConfigException("syslog_facility", (string)values["syslog_facility"],
                $"expected one of: {string.Join(", ", AkkaGunicorn.Workers.Logging.SyslogTarget.Facilities.Keys)}");
        if (settings.MetricsBind is { } metrics && (metrics.EndPoint is not System.Net.IPEndPoint { Port: > 0 } || metrics.Tls == true || !metrics.Text.Contains(':')))
            throw new ConfigException("metrics_bind", metrics.Text, "expected HOST:PORT with a port (the Prometheus endpoint is plain HTTP on its own port), or \"\" for none");
        var unixMode = (string)values["unix_socket_mode"];
        if (unixMode.Length > 0 && (unixMode.Length > 4 || unixMode.Any(c => c is < '0' or > '7') || (Convert.ToInt32(unixMode, 8) & 0b010_000_000) == 0))
            throw new ConfigException("unix_socket_mode", unixMode, "expected an octal mode that lets the owner write (connect), such as 660 or 666, or \"\" to leave it to the umask");
        return settings;
    }

    private static void CheckControlSocketMode(string mode)
    {
        var digits = mode.StartsWith("0o", StringComparison.OrdinalIgnoreCase) ? mode[2..] : mode;
        int value = digits.Length is > 0 and <= 4 && digits.All(c => c is >= '0' and <= '7') ? Convert.ToInt32(digits, 8) : -1;
        // Connecting needs write permission: the owner must have it, and nobody beyond the group may.
        if (value < 0 || (value & 0b110_000_000) != 0b110_000_000 || (value & 0b111_000_000_111) != 0)
            throw new ConfigException("control_socket_mode", mode, "expected an octal mode that gives the owner rw and others nothing, such as 600 or 660");
    }

    private static void CheckRootPath(string rootPath)
    {
        if (rootPath.Length > 0 && (rootPath[0] != '/' || rootPath.IndexOfAny(['?', '#', ' ']) >= 0))
            throw new ConfigException("root_path", rootPath, "expected a path starting with '/' (where the app is mounted, e.g. /app), or \"\" for none");
    }

    private static bool IsToken(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c));

    private static void CheckIpList(Dictionary<string, object> values, string key)
    {
        try
        {
            IpAllowList.Parse((string)values[key]);
        }
        catch (FormatException e)
        {
            throw new ConfigException(key, (string)values[key], $"expected comma-separated IP addresses or '*' ({e.Message})");
        }
    }

    private static Dictionary<string, object?> ReadHocon(string text, string source)
    {
        Config config;
        try
        {
            config = ConfigurationFactory.ParseString(text);
        }
        catch (Exception e)
        {
            throw new ConfigException("config", source, $"not valid HOCON: {e.Message}");
        }
        var result = new Dictionary<string, object?>();
        if (config.Root is null || config.IsEmpty) return result;
        Read(config.Root.GetObject(), "", result);
        return result;
    }

    /// <summary>Settings from a HOCON object; a group of dotted keys (<c>cluster { bind = … }</c>) is read as <c>cluster.bind</c>.</summary>
    private static void Read(HoconObject hocon, string prefix, Dictionary<string, object?> result)
    {
        foreach (var (name, value) in hocon.Items)
        {
            string key = prefix + name;
            SettingsCatalog.All.TryGetValue(key, out var definition);
            if (value.IsArray()) result[key] = value.GetArray().Select(v => v.GetString()).ToList();
            else if (value.IsObject() && definition?.Kind == SettingKind.Map)
                result[key] = value.GetObject().Items.ToDictionary(item => item.Key, item => item.Value.GetString());
            else if (value.IsObject() && definition?.Kind == SettingKind.Tree)
                result[key] = Flatten(value, "", new Dictionary<string, string>());
            else if (value.IsObject() && definition is null && SettingsCatalog.All.Keys.Any(k => k.StartsWith(key + ".", StringComparison.Ordinal)))
                Read(value.GetObject(), key + ".", result);
            else if (value.IsObject()) throw new ConfigException(key, "{...}", "expected a value, not an object (settings are top-level keys)");
            else result[key] = value.GetString();
        }
    }

    /// <summary>A nested HOCON value as configuration keys: <c>WriteTo = [{ Name = File }]</c> gives <c>WriteTo:0:Name</c>.</summary>
    private static Dictionary<string, string> Flatten(HoconValue value, string path, Dictionary<string, string> into)
    {
        if (value.IsObject())
            foreach (var (key, item) in value.GetObject().Items) Flatten(item, path.Length == 0 ? key : path + ":" + key, into);
        else if (value.IsArray())
            for (int i = 0; i < value.GetArray().Count; i++) Flatten(value.GetArray()[i], path + ":" + i.ToString(CultureInfo.InvariantCulture), into);
        else
            into[path] = value.GetString();
        return into;
    }

    private static string Describe(object? value) => value switch
    {
        IReadOnlyList<string> list => "[" + string.Join(", ", list) + "]",
        IReadOnlyDictionary<string, string> map => "{" + string.Join(", ", map.Select(kv => $"{kv.Key} = {kv.Value}")) + "}",
        _ => value?.ToString() ?? "",
    };

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static string ReadReference()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("reference.conf")
            ?? throw new InvalidOperationException("reference.conf is not embedded");
        return new StreamReader(stream).ReadToEnd();
    }
}
