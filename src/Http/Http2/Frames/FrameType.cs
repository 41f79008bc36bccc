namespace AkkaGunicorn.Http.Http2.Frames;

/// <summary>Frame types (RFC 9113 §6).</summary>
public enum FrameType : byte
{
    /// <summary>Body bytes.</summary>
    Data = 0,
    /// <summary>A header block's first fragment: a request, a response, or trailers.</summary>
    Headers = 1,
    /// <summary>Deprecated prioritization; read and ignored.</summary>
    Priority = 2,
    /// <summary>Ends a stream at once.</summary>
    RstStream = 3,
    /// <summary>Connection settings, or their acknowledgement.</summary>
    Settings = 4,
    /// <summary>Server push; a client must not send it.</summary>
    PushPromise = 5,
    /// <summary>A round trip, answered with ACK.</summary>
    Ping = 6,
    /// <summary>The sender stops taking streams.</summary>
    GoAway = 7,
    /// <summary>More flow-control credit.</summary>
    WindowUpdate = 8,
    /// <summary>More of a header block.</summary>
    Continuation = 9,
}

/// <summary>Frame flags (RFC 9113 §6); each means something only for some frame types.</summary>
[Flags]
public enum FrameFlags : byte
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>DATA, HEADERS: the sender's last frame on the stream. SETTINGS, PING: an acknowledgement (same bit).</summary>
    EndStream = 0x1,
    /// <summary>SETTINGS and PING acknowledgement.</summary>
    Ack = 0x1,
    /// <summary>HEADERS, CONTINUATION: the block ends here.</summary>
    EndHeaders = 0x4,
    /// <summary>DATA, HEADERS: padding follows the payload.</summary>
    Padded = 0x8,
    /// <summary>HEADERS: a priority block precedes the fragment.</summary>
    Priority = 0x20,
}

/// <summary>Error codes of RST_STREAM and GOAWAY (RFC 9113 §7).</summary>
public enum Http2ErrorCode : uint
{
    /// <summary>A graceful end.</summary>
    NoError = 0x0,
    /// <summary>The peer broke the protocol.</summary>
    ProtocolError = 0x1,
    /// <summary>Our own failure.</summary>
    InternalError = 0x2,
    /// <summary>The peer sent beyond its window.</summary>
    FlowControlError = 0x3,
    /// <summary>Settings were not acknowledged in time.</summary>
    SettingsTimeout = 0x4,
    /// <summary>A frame on a closed stream.</summary>
    StreamClosed = 0x5,
    /// <summary>A frame of the wrong size.</summary>
    FrameSizeError = 0x6,
    /// <summary>The stream was not processed; the client may retry it.</summary>
    RefusedStream = 0x7,
    /// <summary>The stream is no longer needed.</summary>
    Cancel = 0x8,
    /// <summary>The header compression state is broken.</summary>
    CompressionError = 0x9,
    /// <summary>A CONNECT tunnel failed.</summary>
    ConnectError = 0xa,
    /// <summary>The peer is abusive (a flood of resets, say).</summary>
    EnhanceYourCalm = 0xb,
    /// <summary>The TLS parameters are too weak.</summary>
    InadequateSecurity = 0xc,
    /// <summary>Use HTTP/1.1 for this request.</summary>
    Http11Required = 0xd,
}
