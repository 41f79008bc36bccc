namespace AkkaGunicorn.Http.Parsing;

/// <summary>Why a request was refused. Each reason maps to one status code (see <see cref="HttpParseErrors.StatusCode"/>).</summary>
public enum HttpParseError
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>The request line is not <c>METHOD SP TARGET SP VERSION</c>, or the target form is not allowed.</summary>
    InvalidRequestLine,
    /// <summary>The method is not a token, or not conventional (upper case, 3 to 20 characters).</summary>
    InvalidRequestMethod,
    /// <summary>The version is not HTTP/1.0 or HTTP/1.1.</summary>
    InvalidHttpVersion,
    /// <summary>A header name is not a token, or was refused by <c>header_map</c>.</summary>
    InvalidHeaderName,
    /// <summary>A header value or a framing header (Content-Length, Transfer-Encoding, Host) is malformed or ambiguous.</summary>
    InvalidHeader,
    /// <summary>A header line is continued with obsolete line folding.</summary>
    ObsoleteFolding,
    /// <summary>The request line is longer than <c>limit_request_line</c>.</summary>
    RequestLineTooLong,
    /// <summary>More header fields than <c>limit_request_fields</c>.</summary>
    TooManyHeaders,
    /// <summary>A header field is longer than <c>limit_request_field_size</c>, or the whole head is too large.</summary>
    HeaderTooLarge,
    /// <summary>A transfer coding that we do not implement.</summary>
    UnsupportedTransferCoding,
    /// <summary>An <c>Expect</c> other than <c>100-continue</c>.</summary>
    ExpectationFailed,
    /// <summary>The PROXY protocol preamble is malformed.</summary>
    InvalidProxyLine,
    /// <summary>A PROXY protocol preamble came from an address not in <c>proxy_allow_ips</c>.</summary>
    ForbiddenProxyRequest,
    /// <summary>Forwarded scheme headers contradict each other.</summary>
    InvalidSchemeHeaders,
    /// <summary>A chunk-size line is malformed.</summary>
    InvalidChunkSize,
    /// <summary>A chunk extension contains a forbidden byte.</summary>
    InvalidChunkExtension,
    /// <summary>Chunk data is not followed by CRLF, or the body ended before its last chunk.</summary>
    ChunkMissingTerminator,
    /// <summary>The connection closed before the message was complete.</summary>
    UnexpectedEndOfMessage,
    /// <summary>The request head did not arrive whole within <c>request_header_timeout</c>.</summary>
    RequestHeaderTimeout,
    /// <summary>The request body arrived slower than <c>min_request_body_rate</c>.</summary>
    RequestBodyTooSlow,
    /// <summary>A TLS handshake (a ClientHello) arrived on a plain-HTTP port: the client means https.</summary>
    TlsHandshakeOnPlainPort,
}

/// <summary>Maps parse errors to the status codes Gunicorn answers with.</summary>
public static class HttpParseErrors
{
    /// <summary>The HTTP status code that answers <paramref name="error"/>.</summary>
    public static int StatusCode(this HttpParseError error) => error switch
    {
        HttpParseError.TooManyHeaders or HttpParseError.HeaderTooLarge => 431,
        HttpParseError.UnsupportedTransferCoding => 501,
        HttpParseError.ExpectationFailed => 417,
        HttpParseError.ForbiddenProxyRequest => 403,
        HttpParseError.RequestHeaderTimeout or HttpParseError.RequestBodyTooSlow => 408,
        _ => 400,
    };
}
