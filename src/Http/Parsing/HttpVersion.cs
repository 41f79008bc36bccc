namespace AkkaGunicorn.Http.Parsing;

/// <summary>The two protocol versions an HTTP/1 server accepts.</summary>
public enum HttpVersion : byte
{
    /// <summary>HTTP/1.0: close by default, no chunked coding.</summary>
    Http10 = 10,
    /// <summary>HTTP/1.1: persistent by default.</summary>
    Http11 = 11,
}
