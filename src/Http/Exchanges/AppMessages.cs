using AkkaGunicorn.Http.App;

namespace AkkaGunicorn.Http.Exchanges;

/// <summary>
/// What reaches a connection's app stage from outside its interpreter: the app's threads (its sends, its early end of
/// the response, its switch of protocols, its abort, its return, its demand for body) and the worker's going-away
/// signal. All of it arrives through the stage's one async callback: each callback cost the stage a callback object,
/// delegates and a node in Akka's immutable list of callbacks, 2.4 KB per connection for the seven it had.
/// </summary>
internal abstract record AppMessage;

/// <summary>The app writes <paramref name="Data"/> (the response head goes first if it has not gone yet).</summary>
internal sealed record SendPart(HttpResponse Response, ReadOnlyMemory<byte> Data, TaskCompletionSource Ack) : AppMessage;

/// <summary>The app ends its response before returning.</summary>
internal sealed record CompleteResponse(TaskCompletionSource Ack) : AppMessage;

/// <summary>The app switches protocols (a 101 response; the connection becomes the app's stream).</summary>
internal sealed record SwitchProtocols(TaskCompletionSource Ack) : AppMessage;

/// <summary>The app aborts the connection.</summary>
internal sealed record AbortConnection : AppMessage
{
    public static readonly AbortConnection Instance = new();
}

/// <summary>The app's task for the request has ended, in whatever state.</summary>
internal sealed record AppReturned(Task Task) : AppMessage;

/// <summary>The app is waiting for more of the request body.</summary>
internal sealed record BodyDemanded : AppMessage
{
    public static readonly BodyDemanded Instance = new();
}

/// <summary>The worker's graceful time is over (what an upgraded WebSocket connection answers with a close frame).</summary>
internal sealed record ServerGoingAway : AppMessage
{
    public static readonly ServerGoingAway Instance = new();
}
