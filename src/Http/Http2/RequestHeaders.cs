using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Parsing;

namespace AkkaGunicorn.Http.Http2;

/// <summary>
/// Turns a decoded request header list into an <see cref="HttpRequest"/> (RFC 9113 §8.3): pseudo-header fields first and
/// each once, lower-case names, no connection-specific fields, <c>:authority</c> as Host, cookie crumbs joined. A list that
/// breaks a rule is a malformed request: a stream error of type PROTOCOL_ERROR.
/// </summary>
public static class RequestHeaders
{
    private static readonly string[] ConnectionSpecific = ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"];

    /// <summary>Fills <paramref name="request"/> from <paramref name="fields"/>; returns why the list is malformed, or null.</summary>
    /// <param name="fields">The fields in received order.</param>
    /// <param name="endStream">The HEADERS frame ended the stream: there is no body.</param>
    /// <param name="request">The request to fill: a fresh one, or one reused from an earlier stream.</param>
    public static string? TryBuild(IReadOnlyList<(string Name, string Value)> fields, bool endStream, HttpRequest request)
    {
        request.Headers.Clear();
        request.Trailers.Clear();
        string? method = null, scheme = null, authority = null, path = null;
        bool regularSeen = false;
        List<string>? cookies = null;
        long? contentLength = null;
        bool expectContinue = false;
        foreach (var (name, value) in fields)
        {
            if (name.Length == 0) return "an empty field name";
            if (name[0] == ':')
            {
                if (regularSeen) return $"pseudo-header {name} after a regular field";
                switch (name)
                {
                    case ":method" when method is null: method = value; break;
                    case ":scheme" when scheme is null: scheme = value; break;
                    case ":authority" when authority is null: authority = value; break;
                    case ":path" when path is null: path = value; break;
                    default: return $"pseudo-header {name} repeated or unknown";
                }
                continue;
            }
            regularSeen = true;
            if (!HttpChars.IsToken(name.AsSpan()) || name.AsSpan().ContainsAnyInRange('A', 'Z')) return $"field name {name} is not a lower-case token";
            if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0) return $"field {name} has CR, LF or NUL in its value";
            if (Array.IndexOf(ConnectionSpecific, name) >= 0) return $"connection-specific field {name}";
            switch (name)
            {
                case "te" when value != "trailers":
                    return "te other than trailers";
                case "cookie":
                    (cookies ??= []).Add(value);
                    continue;
                case "content-length":
                    if (!long.TryParse(value, System.Globalization.NumberStyles.None, null, out long length) ||
                        (contentLength is { } earlier && earlier != length)) return "an invalid content-length";
                    contentLength = length;
                    break;
                case "expect" when value.Equals("100-continue", StringComparison.OrdinalIgnoreCase):
                    expectContinue = true;
                    break;
            }
            request.Headers.Add(name, value);
        }
        if (method is null) return "no :method";
        if (method == "CONNECT")
        {
            if (authority is null || scheme is not null || path is not null) return "CONNECT needs :authority alone";
            path = authority;
        }
        else if (scheme is null || string.IsNullOrEmpty(path)) return "no :scheme or :path";
        if (authority is not null) request.Headers.Set("host", authority);
        if (cookies is not null) request.Headers.Add("cookie", string.Join("; ", cookies));
        if (endStream && contentLength is > 0) return "content-length without a body";
        request.Method = method;
        request.Target = path!;
        request.Version = Parsing.HttpVersion.Http20;
        request.ContentLength = contentLength;
        request.Framing = new RequestFraming
        {
            Version = Parsing.HttpVersion.Http20,
            Body = endStream ? BodyKind.None : contentLength is { } known ? (known == 0 ? BodyKind.None : BodyKind.ContentLength) : BodyKind.Chunked,
            ContentLength = contentLength ?? 0,
            // The app stage goes on to the next stream of its lane after this one.
            KeepAlive = true,
            ExpectContinue = expectContinue && !endStream,
        };
        return null;
    }
}
