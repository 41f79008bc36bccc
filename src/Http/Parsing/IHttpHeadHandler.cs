namespace AkkaGunicorn.Http.Parsing;

/// <summary>
/// Receives the parts of a request head as the parser validates them. The spans point into the
/// parser's input and are only valid during the call, so the parser itself never allocates.
/// </summary>
public interface IHttpHeadHandler
{
    /// <summary>Called once, with a validated method, request target and version.</summary>
    void OnRequestLine(ReadOnlySpan<byte> method, ReadOnlySpan<byte> target, HttpVersion version);

    /// <summary>Called once per kept header field, in received order; the value is trimmed of surrounding white space.</summary>
    void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value);
}
