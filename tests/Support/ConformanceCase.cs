using System.Text.Json;
using AkkaGunicorn.Http.Parsing;
using AkkaGunicorn.Http.Server;

namespace AkkaGunicorn.Testing;

/// <summary>One request case from Gunicorn's test suite (../shared/conformance/gunicorn-requests).</summary>
public sealed class ConformanceCase
{
    public required string Name { get; init; }
    public required bool Valid { get; init; }
    public required byte[] Raw { get; init; }
    public required JsonElement Json { get; init; }
    public Dictionary<string, JsonElement> Config { get; init; } = new();

    public int? ExpectStatus => Json.TryGetProperty("expect_status", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt32() : null;

    /// <summary>An invalid case whose error is only found while the app reads the body.</summary>
    public bool FailsInBody => !Valid && ExpectStatus is null;

    /// <summary>Whether the request declares a chunked body.</summary>
    public bool HasChunkedBody => System.Text.Encoding.Latin1.GetString(Raw).Contains("chunked", StringComparison.OrdinalIgnoreCase);

    /// <summary>Cases where we refuse on purpose what Gunicorn's own harness accepts, and why.</summary>
    public static readonly IReadOnlyDictionary<string, string> Deviations = new Dictionary<string, string>
    {
        // The bytes end 9315 bytes short of the Content-Length. Gunicorn's file-based harness hands the app the
        // truncated body as if complete; on a real connection that is a truncated upload, which we refuse (400).
        ["valid/099"] = "truncated body: Content-Length 17914, 8599 bytes sent",
    };

    /// <summary>Why we deliberately differ from Gunicorn on this case, or null.</summary>
    public string? Deviation => Deviations.GetValueOrDefault(ToString());

    public IEnumerable<JsonElement> Expected => Json.GetProperty("expect").EnumerateArray();

    public override string ToString() => $"{(Valid ? "valid" : "invalid")}/{Name}";

    /// <summary>The server options the case's Gunicorn settings translate to.</summary>
    public HttpServerOptions Options()
    {
        var parser = new HttpParserOptions();
        var options = new HttpServerOptions();
        foreach (var (key, value) in Config)
        {
            switch (key)
            {
                case "proxy_protocol": options = options with { ProxyProtocol = value.GetBoolean() }; break;
                case "permit_obsolete_folding": parser = parser with { PermitObsoleteFolding = value.GetBoolean() }; break;
                case "permit_unconventional_http_method": parser = parser with { PermitUnconventionalHttpMethod = value.GetBoolean() }; break;
                case "casefold_http_method": parser = parser with { CasefoldHttpMethod = value.GetBoolean() }; break;
                case "strip_header_spaces": parser = parser with { StripHeaderSpaces = value.GetBoolean() }; break;
                case "limit_request_line": parser = parser with { LimitRequestLine = value.GetInt32() }; break;
                case "limit_request_fields": parser = parser with { LimitRequestFields = value.GetInt32() }; break;
                case "limit_request_field_size": parser = parser with { LimitRequestFieldSize = value.GetInt32() }; break;
                case "header_map": parser = parser with { HeaderMap = Enum.Parse<HeaderMapPolicy>(value.GetString()!, ignoreCase: true) }; break;
                case "forwarded_allow_ips": options = options with { ForwardedAllowIps = IpAllowList.Parse(value.GetString()!) }; break;
                default: throw new NotSupportedException($"Case {Name} uses setting {key}, which the harness does not map.");
            }
        }
        return options with { Parser = parser };
    }

    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AkkaGunicorn.sln"))) dir = dir.Parent;
            if (dir is null) throw new DirectoryNotFoundException("Cannot find the repository root (AkkaGunicorn.sln).");
            return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "conformance", "gunicorn-requests"));
        }
    }

    public static IReadOnlyList<ConformanceCase> All { get; } = Load();

    private static List<ConformanceCase> Load()
    {
        var cases = new List<ConformanceCase>();
        foreach (var kind in new[] { "valid", "invalid" })
        {
            foreach (var file in Directory.GetFiles(Path.Combine(Root, kind), "*.json").Order(StringComparer.Ordinal))
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(file));
                var json = doc.RootElement.Clone();
                cases.Add(new ConformanceCase
                {
                    Name = Path.GetFileNameWithoutExtension(file),
                    Valid = kind == "valid",
                    Raw = Convert.FromBase64String(json.GetProperty("raw_b64").GetString()!),
                    Json = json,
                    Config = json.TryGetProperty("config", out var c) ? c.EnumerateObject().ToDictionary(p => p.Name, p => p.Value) : new(),
                });
            }
        }
        return cases;
    }
}
