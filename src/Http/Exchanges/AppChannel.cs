using AkkaGunicorn.Http.App;

namespace AkkaGunicorn.Http.Exchanges;

/// <summary>
/// The bridge between the app's thread and a connection's stage: everything the app's thread touches lives here. The
/// app's sends, completion, upgrade and abort are posted to the stage as <see cref="AppMessage"/>s and finish when the
/// stage has taken them; once the stage has stopped, each fails with the connection's end.
/// </summary>
/// <param name="post">The stage's async callback.</param>
/// <param name="body">The request body, which an upgraded connection's stream reads from.</param>
internal sealed class AppChannel(Action<AppMessage> post, Stream body) : IResponseChannel
{
    private volatile bool _stopped, _abortRequested;
    // The app's send that the stage has not taken yet: failed if the stage stops first.
    private volatile TaskCompletionSource? _sendInFlight;

    /// <summary>Whether the app has aborted the connection (read by the stage when the app returns).</summary>
    public bool AbortRequested => _abortRequested;

    /// <summary>The stage has taken <paramref name="ack"/>'s part: it is no longer in flight.</summary>
    public void Taken(TaskCompletionSource ack) => Interlocked.CompareExchange(ref _sendInFlight, null, ack);

    /// <summary>The stage has stopped: whatever the app sends from now on, or has in flight, fails with <paramref name="closed"/>.</summary>
    public void Stop(Exception closed)
    {
        _stopped = true;
        _sendInFlight?.TrySetException(closed);
    }

    private static IOException Closed() => new("The connection was closed.");

    Task IResponseChannel.SendAsync(HttpResponse response, ReadOnlyMemory<byte> data)
    {
        if (_stopped) return Task.FromException(Closed());
        var ack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        response.MarkStarted();
        _sendInFlight = ack;
        post(new SendPart(response, data, ack));
        // The stage may have stopped between the check and the callback, which then never runs.
        if (_stopped) ack.TrySetException(Closed());
        return ack.Task;
    }

    Task IResponseChannel.CompleteAsync(HttpResponse response)
    {
        if (_stopped) return Task.FromException(Closed());
        var ack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        post(new CompleteResponse(ack));
        if (_stopped) ack.TrySetException(Closed());
        return ack.Task;
    }

    async Task<Stream> IResponseChannel.UpgradeAsync(HttpResponse response)
    {
        if (_stopped) throw Closed();
        var ack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        response.MarkStarted();
        _sendInFlight = ack;
        post(new SwitchProtocols(ack));
        if (_stopped) ack.TrySetException(Closed());
        await ack.Task;
        IResponseChannel channel = this;
        return new UpgradedStream(body, data => channel.SendAsync(response, data), () => channel.CompleteAsync(response));
    }

    void IResponseChannel.Abort()
    {
        // Flagged first: an app that aborts and returns at once must not have its return finish the response.
        _abortRequested = true;
        post(AbortConnection.Instance);
    }
}
