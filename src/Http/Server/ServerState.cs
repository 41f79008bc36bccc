namespace AkkaGunicorn.Http.Server;

/// <summary>
/// State shared by every connection of one worker: the drain signal and the counters the worker
/// reports in its heartbeats. Counters are updated with interlocked operations.
/// </summary>
public sealed class ServerState
{
    private volatile bool _draining;
    private long _served, _inFlight, _connections;

    /// <summary>Whether draining has begun: responses then carry Connection: close, and idle connections close after the keep-alive time.</summary>
    public bool IsDraining => _draining;

    /// <summary>Requests completed.</summary>
    public long RequestsServed => Interlocked.Read(ref _served);

    /// <summary>Requests whose app call has not completed.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>Open connections.</summary>
    public long OpenConnections => Interlocked.Read(ref _connections);

    private readonly CancellationTokenSource _drainStarted = new();

    /// <summary>Begins draining.</summary>
    public void BeginDraining()
    {
        _draining = true;
        _drainStarted.Cancel();
    }

    /// <summary>Cancelled when draining begins: HTTP/2 connections then send GOAWAY at once, idle or not.</summary>
    public CancellationToken Draining => _drainStarted.Token;

    private readonly CancellationTokenSource _goingAway = new();

    /// <summary>Cancelled when the worker's graceful time is over: upgraded connections are told it is going away.</summary>
    public CancellationToken GoingAway => _goingAway.Token;

    /// <summary>
    /// The graceful time is over: each open WebSocket gets a close frame with status 1001 (Going Away), so that its
    /// client knows to reconnect (to the new generation) rather than seeing its connection cut.
    /// </summary>
    public void GoAway() => _goingAway.Cancel();

    internal void RequestStarted() => Interlocked.Increment(ref _inFlight);

    private long _quota = long.MaxValue;
    private Action? _onQuota;

    /// <summary>Calls <paramref name="onReached"/> once, when the <paramref name="quota"/>-th request completes (max_requests).</summary>
    public void OnQuotaReached(long quota, Action onReached)
    {
        _onQuota = onReached;
        Interlocked.Exchange(ref _quota, quota);
    }

    internal void RequestFinished()
    {
        Interlocked.Decrement(ref _inFlight);
        if (Interlocked.Increment(ref _served) == Interlocked.Read(ref _quota)) _onQuota?.Invoke();
    }

    /// <summary>Counts a connection as open.</summary>
    public void ConnectionOpened() => Interlocked.Increment(ref _connections);

    /// <summary>Counts a connection as closed.</summary>
    public void ConnectionClosed() => Interlocked.Decrement(ref _connections);

    private readonly long[] _expiries = new long[Enum.GetValues<ConnectionExpiry>().Length];
    private volatile ConnectionRoster[] _rosters = [];

    /// <summary>Counts a connection closed for <paramref name="expiry"/>.</summary>
    public void Expired(ConnectionExpiry expiry) => Interlocked.Increment(ref _expiries[(int)expiry]);

    /// <summary>Connections closed so far, by <see cref="ConnectionExpiry"/>.</summary>
    public long[] Expiries()
    {
        var copy = new long[_expiries.Length];
        for (int i = 0; i < copy.Length; i++) copy[i] = Interlocked.Read(ref _expiries[i]);
        return copy;
    }

    /// <summary>Counts the connections of <paramref name="roster"/> (a host's) among this worker's.</summary>
    public void Track(ConnectionRoster roster)
    {
        lock (_expiries) _rosters = [.. _rosters, roster];
    }

    /// <summary>Open connections by <see cref="ConnectionPhase"/>, over every tracked roster.</summary>
    public long[] ConnectionPhases()
    {
        var phases = new long[Enum.GetValues<ConnectionPhase>().Length];
        foreach (var roster in _rosters)
            for (int i = 0; i < phases.Length; i++) phases[i] += roster.Count((ConnectionPhase)i);
        return phases;
    }
}
