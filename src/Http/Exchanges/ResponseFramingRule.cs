using AkkaGunicorn.Http.Stages;
using HttpVersion = AkkaGunicorn.Http.Parsing.HttpVersion;

namespace AkkaGunicorn.Http.Exchanges;

/// <summary>How a response's body is delimited, as <see cref="ResponseFramingRule.Decide"/> chose it.</summary>
/// <param name="Framing">The framing.</param>
/// <param name="ContentLength">The Content-Length to send, or -1 for none.</param>
/// <param name="SendsBody">False when no body may follow the head (HEAD, 1xx, 204, 304): what the app wrote is not sent.</param>
/// <param name="Closes">True when the body can only end with the connection.</param>
public readonly record struct FramingChoice(ResponseFraming Framing, long ContentLength, bool SendsBody, bool Closes);

/// <summary>
/// Chooses how a response is framed (RFC 9112 section 6): from its status, the request's method and version, the
/// length the app declared, and whether the whole body is already known when the head goes out.
/// </summary>
public static class ResponseFramingRule
{
    /// <summary>Chooses the framing of a response.</summary>
    /// <param name="status">The status code.</param>
    /// <param name="head">The request was HEAD.</param>
    /// <param name="declared">The Content-Length the app declared, if any.</param>
    /// <param name="final">The head goes out with the whole body (the app returned before it flushed).</param>
    /// <param name="bodyLength">The body's length when <paramref name="final"/>.</param>
    /// <param name="written">What the app wrote in all (for a HEAD answer's length).</param>
    /// <param name="version">The request's HTTP version.</param>
    public static FramingChoice Decide(int status, bool head, long? declared, bool final, int bodyLength, long written, HttpVersion version)
    {
        if (status < 200 || status == 204 || status == 304 || head)
        {
            long length = -1;
            // A HEAD answer's length is the GET body's; an app that wrote nothing told us nothing (Kestrel, too, sends none).
            if (head && status != 204 && status >= 200) length = declared ?? (final && written > 0 ? written : -1);
            else if (status == 304 && declared is { } notModified) length = notModified;
            return new FramingChoice(ResponseFraming.NoBody, length, SendsBody: false, Closes: false);
        }
        if (declared is { } known) return new FramingChoice(ResponseFraming.ContentLength, known, SendsBody: true, Closes: false);
        if (final) return new FramingChoice(ResponseFraming.ContentLength, bodyLength, SendsBody: true, Closes: false);
        // A streamed body of unknown length: chunked where the client understands it, else until the connection closes.
        return version >= HttpVersion.Http11
            ? new FramingChoice(ResponseFraming.Chunked, -1, SendsBody: true, Closes: false)
            : new FramingChoice(ResponseFraming.UntilClose, -1, SendsBody: true, Closes: true);
    }
}
