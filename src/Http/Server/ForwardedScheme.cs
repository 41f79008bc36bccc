using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Parsing;

namespace AkkaGunicorn.Http.Server;

/// <summary>Derives the request scheme from a trusted proxy's headers, refusing contradictory ones as Gunicorn does.</summary>
internal static class ForwardedScheme
{
    public static HttpParseError Resolve(HttpRequest request, HttpServerOptions options, bool trusted, out string scheme)
    {
        scheme = "http";
        if (options.SecureSchemeHeaders.Count == 0 || !trusted) return HttpParseError.None;
        bool? secure = null;
        foreach (var (name, value) in request.Headers)
        {
            if (!options.SecureSchemeHeaders.TryGetValue(name, out var secureValue)) continue;
            bool says = string.Equals(value, secureValue, StringComparison.OrdinalIgnoreCase);
            if (secure is { } earlier && earlier != says) return HttpParseError.InvalidSchemeHeaders;
            secure = says;
        }
        if (secure == true) scheme = "https";
        return HttpParseError.None;
    }
}
