namespace AkkaGunicorn.Workers.Sockets;

/// <summary>
/// Stops a worker's <see cref="ConnectionSource"/> stages and says when they have all stopped, so that
/// "no accept is pending any more" is a fact the worker can wait on before it counts its connections
/// and exits. A pending accept is withdrawn, not abandoned: whatever it already took is still served.
/// </summary>
public sealed class AcceptSwitch
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _stopped = [];

    /// <summary>Cancelled when the stages must stop accepting.</summary>
    public CancellationToken StopRequested => _stop.Token;

    /// <summary>
    /// Whether the stages, once their pending accept is withdrawn, take every connection already waiting
    /// in the kernel's queue before they stop. Set for a whole-server shutdown, where nobody else would.
    /// </summary>
    public bool SweepBacklog { get; private set; }

    /// <summary>Asks every stage to stop; the task completes when all have.</summary>
    public Task StopAsync(bool sweepBacklog)
    {
        SweepBacklog = sweepBacklog;
        _stop.Cancel();
        lock (_stopped) return Task.WhenAll(_stopped);
    }

    /// <summary>Registers a stage; it completes the returned source when it has stopped.</summary>
    internal TaskCompletionSource Track()
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_stopped) _stopped.Add(stopped.Task);
        return stopped;
    }
}
