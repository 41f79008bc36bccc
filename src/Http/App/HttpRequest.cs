using System.Net;
using HttpVersion = AkkaGunicorn.Http.Parsing.HttpVersion;
using AkkaGunicorn.Http.Parsing;

namespace AkkaGunicorn.Http.App;

/// <summary>An HTTP request as received. The connection reuses this object for its next request.</summary>
public sealed class HttpRequest
{
    private string? _path, _query, _fragment;
    private string _target = "";

    /// <summary>The method, as sent (upper-cased only with <c>casefold_http_method</c>).</summary>
    public string Method { get; internal set; } = "";

    /// <summary>The request target exactly as sent (origin, absolute, authority or asterisk form).</summary>
    public string Target
    {
        get => _target;
        internal set { _target = value; _path = _query = _fragment = null; PathBase = ""; }
    }

    /// <summary>
    /// The path part of the target, not decoded; when the app is mounted (<see cref="PathBase"/>), the rest after the
    /// mount point.
    /// </summary>
    public string Path => _path ??= SplitTarget().Path;

    /// <summary>
    /// Where the app is mounted, when the path is under it: <c>root_path</c>, or a trusted proxy's SCRIPT_NAME header
    /// (Gunicorn's SCRIPT_NAME); "" otherwise. <see cref="Path"/> is then what follows it.
    /// </summary>
    public string PathBase { get; private set; } = "";

    /// <summary>The query string without its '?', not decoded; empty if none.</summary>
    public string Query => _query ??= SplitTarget().Query;

    /// <summary>The fragment without its '#', if a client sent one; empty if none.</summary>
    public string Fragment => _fragment ??= SplitTarget().Fragment;

    /// <summary>The protocol version.</summary>
    public HttpVersion Version { get; internal set; }

    /// <summary>"HTTP/1.0", "HTTP/1.1" or "HTTP/2".</summary>
    public string Protocol => Version switch { HttpVersion.Http10 => "HTTP/1.0", HttpVersion.Http20 => "HTTP/2", _ => "HTTP/1.1" };

    /// <summary>The HTTP/2 stream the request came on; 0 over HTTP/1.x.</summary>
    public int StreamId { get; internal set; }

    /// <summary>The header fields in received order, names in their received case.</summary>
    public HeaderList Headers { get; } = new();

    /// <summary>Trailer fields of a chunked body; complete once <see cref="Body"/> has been read to its end.</summary>
    public HeaderList Trailers { get; } = new(0);

    /// <summary>The body, streamed as it arrives; reading it applies backpressure to the client.</summary>
    public Stream Body { get; internal set; } = Stream.Null;

    /// <summary>
    /// Whether the client asks to switch protocols and may: HTTP/1.1, <c>Connection: upgrade</c>, an <c>Upgrade</c>
    /// header, no body. Then <see cref="HttpResponse.UpgradeAsync"/> switches; an ordinary response declines.
    /// </summary>
    public bool IsUpgradeRequest => Framing.Upgradable;

    /// <summary>The Content-Length of the body, or null when it is chunked or absent.</summary>
    public long? ContentLength { get; internal set; }

    /// <summary>The client's address (after a PROXY protocol preamble, the original client).</summary>
    public EndPoint? RemoteEndPoint { get; internal set; }

    /// <summary>What the connection's PROXY protocol preamble said (addresses, v2 TLVs such as the authority), or null.</summary>
    public ProxyInfo? Proxy { get; internal set; }

    /// <summary>The address the client connected to.</summary>
    public EndPoint? LocalEndPoint { get; internal set; }

    /// <summary>"https" on a TLS connection or when a trusted proxy said so, else "http".</summary>
    public string Scheme { get; internal set; } = "http";

    /// <summary>The connection's TLS session (protocol, cipher, client certificate), or null on plain HTTP.</summary>
    public Server.TlsSession? Tls { get; internal set; }

    /// <summary>
    /// Whatever the app wants to keep with the connection (it survives from one request to the next on the same
    /// connection, and goes with it): an adapter's per-connection state, say. Null on a new connection.
    /// </summary>
    public object? ConnectionState { get; set; }

    internal RequestFraming Framing;

    /// <summary>Mounts the app at <paramref name="pathBase"/> when the path is under it (at a segment boundary).</summary>
    internal void Mount(string pathBase)
    {
        var path = Path;
        if (!MountPoint.Covers(pathBase, path)) return;
        PathBase = pathBase;
        _path = path[pathBase.Length..];
    }

    /// <summary>Splits the target as Python's urlsplit does, so paths match what Gunicorn gives WSGI apps.</summary>
    private (string Path, string Query, string Fragment) SplitTarget()
    {
        var rest = _target;
        int hash = rest.IndexOf('#');
        string fragment = hash >= 0 ? rest[(hash + 1)..] : "";
        if (hash >= 0) rest = rest[..hash];
        int question = rest.IndexOf('?');
        string query = question >= 0 ? rest[(question + 1)..] : "";
        if (question >= 0) rest = rest[..question];
        int colon = rest.IndexOf(':');
        // Only an absolute-form target has an authority: in origin form ("//x", "///x") a leading "//" is part
        // of the path, as Gunicorn gives it to the app.
        bool absolute = colon > 0 && char.IsAsciiLetter(rest[0]) && rest.AsSpan(0, colon).IndexOfAnyExcept(SchemeChars) < 0;
        if (absolute) rest = rest[(colon + 1)..];
        if (absolute && rest.StartsWith("//", StringComparison.Ordinal))
        {
            int slash = rest.IndexOf('/', 2);
            rest = slash >= 0 ? rest[slash..] : "";
        }
        return (rest, query, fragment);
    }

    private static readonly System.Buffers.SearchValues<char> SchemeChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
}
