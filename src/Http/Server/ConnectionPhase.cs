namespace AkkaGunicorn.Http.Server;

/// <summary>Where a connection stands, in the order a request goes through them.</summary>
public enum ConnectionPhase : byte
{
    /// <summary>Accepted; not a byte received yet.</summary>
    New,
    /// <summary>Part of a request head received; waiting for the rest.</summary>
    ReadingHead,
    /// <summary>A request head accepted: its body, the app or its response under way.</summary>
    InRequest,
    /// <summary>Between requests, waiting for the next one.</summary>
    Idle,
    /// <summary>Switched to another protocol (a WebSocket); the app owns it.</summary>
    Upgraded,
}
