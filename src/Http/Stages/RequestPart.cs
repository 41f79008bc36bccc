using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Parsing;

namespace AkkaGunicorn.Http.Stages;

/// <summary>What the request parser emits: a head, then body chunks, then the body's end; or a refusal.</summary>
public abstract class RequestPart;

/// <summary>A parsed and validated request head. The connection reuses the request object for its next request.</summary>
public sealed class RequestStart(HttpRequest request) : RequestPart
{
    /// <summary>The request, without body reader or endpoints yet.</summary>
    public HttpRequest Request { get; } = request;
}

/// <summary>A run of body bytes, valid until the next element is pulled.</summary>
public sealed class RequestBodyChunk(ReadOnlyMemory<byte> data) : RequestPart
{
    /// <summary>The bytes.</summary>
    public ReadOnlyMemory<byte> Data { get; } = data;
}

/// <summary>The end of a body, with its trailers (empty unless chunked).</summary>
public sealed class RequestBodyEnd(IReadOnlyList<KeyValuePair<string, string>> trailers) : RequestPart
{
    /// <summary>Shared instance for bodies without trailers.</summary>
    public static readonly RequestBodyEnd NoTrailers = new([]);

    /// <summary>The trailer fields.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Trailers { get; } = trailers;
}

/// <summary>The bytes on the connection are not acceptable HTTP. The parser emits nothing after this.</summary>
public sealed class RequestRefused(HttpParseError error, bool inBody) : RequestPart
{
    /// <summary>Why.</summary>
    public HttpParseError Error { get; } = error;

    /// <summary>True when the head was already accepted and the body is what failed.</summary>
    public bool InBody { get; } = inBody;
}
