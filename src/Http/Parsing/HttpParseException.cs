namespace AkkaGunicorn.Http.Parsing;

/// <summary>
/// Thrown to the app when its request body turns out to be malformed after the head was accepted
/// (a bad chunk, a forbidden trailer, a premature end). The server answers with <see cref="StatusCode"/>
/// if the response has not started, and closes the connection either way.
/// </summary>
public sealed class HttpParseException(HttpParseError reason)
    : IOException($"Bad request body: {reason}")
{
    /// <summary>Why the body was refused.</summary>
    public HttpParseError Reason { get; } = reason;

    /// <summary>The status code that answers <see cref="Reason"/>.</summary>
    public int StatusCode => Reason.StatusCode();
}
