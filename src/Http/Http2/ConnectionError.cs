using AkkaGunicorn.Http.Http2.Frames;

namespace AkkaGunicorn.Http.Http2;

/// <summary>A connection error (RFC 9113 §5.4.1): the connection ends with a GOAWAY carrying <see cref="Code"/>.</summary>
internal sealed class ConnectionError(Http2ErrorCode code, string message) : Exception(message)
{
    /// <summary>The GOAWAY's error code.</summary>
    public Http2ErrorCode Code { get; } = code;
}
