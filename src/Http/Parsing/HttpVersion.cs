namespace AkkaGunicorn.Http.Parsing;

/// <summary>The protocol versions this server speaks, in order.</summary>
public enum HttpVersion : byte
{
    /// <summary>HTTP/1.0: close by default, no chunked coding.</summary>
    Http10 = 10,
    /// <summary>HTTP/1.1: persistent by default.</summary>
    Http11 = 11,
    /// <summary>HTTP/2: one stream per exchange, framed, so a body of unknown length needs no coding.</summary>
    Http20 = 20,
}
