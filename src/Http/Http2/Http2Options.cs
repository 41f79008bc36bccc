namespace AkkaGunicorn.Http.Http2;

/// <summary>HTTP/2 limits, with Gunicorn's setting names (<c>http2_*</c>); what this server announces in its SETTINGS.</summary>
public sealed record Http2Options
{
    /// <summary>Streams a client may have open at once (<c>http2_max_concurrent_streams</c>); more are refused.</summary>
    public int MaxConcurrentStreams { get; init; } = 100;

    /// <summary>Each stream's receive window (<c>http2_initial_window_size</c>): request body bytes a client may send ahead of the app.</summary>
    public int InitialWindowSize { get; init; } = 65535;

    /// <summary>The largest frame payload this side accepts (<c>http2_max_frame_size</c>), 16,384 to 16,777,215.</summary>
    public int MaxFrameSize { get; init; } = 16384;

    /// <summary>The largest request header list (<c>http2_max_header_list_size</c>), counted as RFC 9113 counts it; beyond it, 431.</summary>
    public int MaxHeaderListSize { get; init; } = 65536;

    /// <summary>Whether HTTP/1.x is also served on the same ports (<c>http_protocols</c> lists <c>h1</c>).</summary>
    public bool AlsoHttp1 { get; init; } = true;

    /// <summary>The connection's receive window: body bytes in flight over all its streams.</summary>
    internal int ConnectionWindowSize => Math.Max(InitialWindowSize, 1 << 20);
}
