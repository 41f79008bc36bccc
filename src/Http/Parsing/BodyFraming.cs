namespace AkkaGunicorn.Http.Parsing;

/// <summary>How the request body is delimited.</summary>
public enum BodyKind : byte
{
    /// <summary>No body.</summary>
    None,
    /// <summary>Exactly <see cref="RequestFraming.ContentLength"/> bytes.</summary>
    ContentLength,
    /// <summary>The chunked transfer coding.</summary>
    Chunked,
}

/// <summary>What the head says about the message around it: its body, and the connection after it.</summary>
public struct RequestFraming
{
    /// <summary>The request's version.</summary>
    public HttpVersion Version;
    /// <summary>How the body is delimited.</summary>
    public BodyKind Body;
    /// <summary>The body length when <see cref="Body"/> is <see cref="BodyKind.ContentLength"/>.</summary>
    public long ContentLength;
    /// <summary>Whether the client allows the connection to stay open after the response.</summary>
    public bool KeepAlive;
    /// <summary>Whether the client waits for <c>100 Continue</c> before sending the body.</summary>
    public bool ExpectContinue;
    /// <summary>Whether the request asks to switch protocols (Connection: upgrade, an Upgrade header, HTTP/1.1, no body).</summary>
    public bool Upgradable;
}
