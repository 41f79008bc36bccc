using AkkaGunicorn.Http.App;

namespace AkkaGunicorn.Http.Stages;

/// <summary>How a response body is delimited on the wire.</summary>
public enum ResponseFraming : byte
{
    /// <summary>No body may follow (HEAD, 1xx, 204, 304).</summary>
    NoBody,
    /// <summary>A Content-Length header.</summary>
    ContentLength,
    /// <summary>The chunked coding (HTTP/1.1).</summary>
    Chunked,
    /// <summary>The body ends when the connection closes (HTTP/1.0 with an unknown length).</summary>
    UntilClose,
    /// <summary>
    /// A <c>101 Switching Protocols</c>: the head says <c>Connection: Upgrade</c>, the "body" is the new protocol's bytes
    /// passed through as they are, and the connection ends with them.
    /// </summary>
    Upgraded,
}

/// <summary>What the app stage emits toward the response writer.</summary>
public abstract class ResponsePart;

/// <summary>An interim <c>100 Continue</c>.</summary>
public sealed class ResponseContinue : ResponsePart
{
    /// <summary>The only instance.</summary>
    public static readonly ResponseContinue Instance = new();

    private ResponseContinue() { }
}

/// <summary>A response head, possibly with the start (or all) of its body. Reused per connection.</summary>
public sealed class ResponseStart : ResponsePart
{
    /// <summary>Status code.</summary>
    public int StatusCode { get; internal set; }

    /// <summary>Reason phrase, or null for the standard one.</summary>
    public string? ReasonPhrase { get; internal set; }

    /// <summary>The app's header fields.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; internal set; } = [];

    /// <summary>How the body is delimited.</summary>
    public ResponseFraming Framing { get; internal set; }

    /// <summary>The Content-Length when <see cref="Framing"/> is <see cref="ResponseFraming.ContentLength"/>.</summary>
    public long ContentLength { get; internal set; }

    /// <summary>Whether the connection closes after this response (adds <c>Connection: close</c>).</summary>
    public bool Close { get; internal set; }

    /// <summary>Whether to add <c>Connection: keep-alive</c> (an HTTP/1.0 client that asked for it).</summary>
    public bool KeepAliveHeader { get; internal set; }

    /// <summary>Body bytes sent with the head.</summary>
    public ReadOnlyMemory<byte> Body { get; internal set; }

    /// <summary>Whether this is the whole response.</summary>
    public bool Final { get; internal set; }

    /// <summary>
    /// The app's trailer fields when <see cref="Final"/>: HTTP/2 sends them after the body (a gRPC status, say); HTTP/1.1
    /// has no place for them without the chunked coding, so its writer leaves them out.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Trailers { get; internal set; } = [];
}

/// <summary>More body bytes; <see cref="Final"/> ends the response.</summary>
public sealed class ResponseChunk(ReadOnlyMemory<byte> data, bool final, IReadOnlyList<KeyValuePair<string, string>>? trailers = null) : ResponsePart
{
    /// <summary>Trailer fields to send after the last chunk of a chunked body.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Trailers { get; } = trailers ?? [];

    /// <summary>The bytes.</summary>
    public ReadOnlyMemory<byte> Data { get; } = data;

    /// <summary>Whether the response ends here.</summary>
    public bool Final { get; } = final;
}
