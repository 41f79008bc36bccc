using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AkkaGunicorn.Integration.Tests.Templates;

/// <summary>
/// One client's session with a server, written down as lines that can be compared across servers: per request, the
/// status, the headers a client acts on and the body (its length and hash, after masking what is random by design: antiforgery
/// tokens, Blazor's encrypted component markers, a weather forecast's numbers). Whether a body came with a
/// Content-Length or chunked is recorded apart: both are valid framings of the same body.
/// </summary>
public sealed partial class Transcript(int port)
{
    private readonly HttpClient _client = new(new HttpClientHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = true,
        CookieContainer = new CookieContainer(),
    })
    { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };

    private static readonly string[] HeadersThatMatter =
        ["Content-Type", "Content-Encoding", "ETag", "Last-Modified", "Cache-Control", "Vary", "Accept-Ranges", "Content-Range", "Location", "Allow"];

    public List<string> Lines { get; } = [];

    public List<string> Framings { get; } = [];

    /// <summary>Sends a request and records its answer; returns the body for a script that reads it (a form's token).</summary>
    public async Task<(HttpResponseMessage Response, string Body)> SendAsync(HttpMethod method, string path, IEnumerable<(string, string)>? headers = null,
        IEnumerable<KeyValuePair<string, string>>? form = null, Func<string, string>? mask = null)
    {
        using var request = new HttpRequestMessage(method, path);
        foreach (var (name, value) in headers ?? []) request.Headers.TryAddWithoutValidation(name, value);
        if (form is not null) request.Content = new FormUrlEncodedContent(form);
        var response = await _client.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var text = Encoding.UTF8.GetString(bytes);
        var line = new StringBuilder($"{method} {path}{(headers is null ? "" : " [" + string.Join("; ", headers.Select(h => $"{h.Item1}: {h.Item2}")) + "]")}{(form is null ? "" : " (form)")} -> {(int)response.StatusCode}");
        foreach (var name in HeadersThatMatter)
        {
            if (response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values))
                line.Append($" | {name}: {string.Join(", ", values)}");
        }
        if (response.Headers.TryGetValues("Set-Cookie", out var cookies))
            line.Append($" | Set-Cookie names: {string.Join(", ", cookies.Select(c => c.Split('=')[0]).Order())}");
        var compared = IsText(response) ? Encoding.UTF8.GetBytes(Masks(mask?.Invoke(text) ?? text)) : bytes;
        line.Append($" | {compared.Length} bytes, sha256 {Convert.ToHexString(SHA256.HashData(compared))[..16]}");
        Lines.Add(line.ToString());
        Framings.Add($"{method} {path}: {(response.Content.Headers.ContentLength is { } length ? $"Content-Length {length}" : "chunked")}");
        return (response, text);
    }

    public Task<(HttpResponseMessage Response, string Body)> GetAsync(string path, params (string, string)[] headers) =>
        SendAsync(HttpMethod.Get, path, headers.Length == 0 ? null : headers);

    /// <summary>A static asset the way browsers and caches ask for it: plain, compressed, conditional, in ranges, HEAD.</summary>
    public async Task StaticAssetAsync(string path)
    {
        var (plain, _) = await GetAsync(path);
        await GetAsync(path, ("Accept-Encoding", "gzip, deflate, br"));
        await GetAsync(path, ("Accept-Encoding", "gzip"));
        await SendAsync(HttpMethod.Head, path);
        if (plain.Headers.ETag is { } etag) await GetAsync(path, ("If-None-Match", etag.ToString()));
        if (plain.Content.Headers.LastModified is { } modified) await GetAsync(path, ("If-Modified-Since", modified.ToString("R")));
        await GetAsync(path, ("Range", "bytes=0-99"));
        await GetAsync(path, ("Range", "bytes=10-20, 30-40"));
        await GetAsync(path, ("Range", "bytes=99999999-"));
    }

    /// <summary>The routes the app's static-asset manifest lists, plain and fingerprinted, that match <paramref name="pattern"/>.</summary>
    public static IReadOnlyList<string> AssetRoutes(string app, string pattern)
    {
        var manifest = Path.ChangeExtension(app, ".staticwebassets.endpoints.json");
        using var json = JsonDocument.Parse(File.ReadAllText(manifest));
        return json.RootElement.GetProperty("Endpoints").EnumerateArray().Select(e => e.GetProperty("Route").GetString()!)
            .Where(r => Regex.IsMatch(r, pattern)).Distinct().Order().Select(r => "/" + r).ToList();
    }

    private static bool IsText(HttpResponseMessage response) =>
        response.Content.Headers.ContentEncoding.All(e => e == "identity") && response.Content.Headers.ContentType?.MediaType is { } type
        && (type.StartsWith("text/html", StringComparison.Ordinal) || type.Contains("json"));

    /// <summary>What differs from one response to the next by design, whatever the server (encrypted with a fresh nonce).</summary>
    private static string Masks(string text)
    {
        text = TokenRegex().Replace(text, "__RequestVerificationToken\" type=\"hidden\" value=\"*\"");
        text = BlazorMarkerRegex().Replace(text, "<!--Blazor:*-->");
        text = BlazorStateRegex().Replace(text, "<!--Blazor-$1-State:*-->");
        return text;
    }

    [GeneratedRegex("__RequestVerificationToken\" type=\"hidden\" value=\"[^\"]*\"")]
    private static partial Regex TokenRegex();

    [GeneratedRegex("<!--Blazor:\\{.*?\\}-->", RegexOptions.Singleline)]
    private static partial Regex BlazorMarkerRegex();

    [GeneratedRegex("<!--Blazor-(\\w+)-Component-State:[^>]*-->")]
    private static partial Regex BlazorStateRegex();

    /// <summary>The antiforgery token in a page's form.</summary>
    public static string FormToken(string page) =>
        Regex.Match(page, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]*)\"").Groups[1].Value;
}
