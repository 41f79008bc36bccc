namespace AkkaGunicorn.Workers.Sockets;

/// <summary>
/// How fast a client reads what it is sent, measured only while sends wait on it (time spent waiting on the app does not
/// count), against a minimum rate after a grace period: Kestrel's MinResponseDataRate. A pure account, so that both
/// socket sinks (plain and TLS) share it and it can be tested without a clock.
/// </summary>
/// <param name="minRate">The slowest acceptable reader, in bytes per second; 0 for no limit.</param>
/// <param name="graceMs">How long a reader may be slower before it counts.</param>
public sealed class ReaderPace(int minRate, long graceMs)
{
    private long _since, _bytes, _pausedAt;
    private bool _measuring, _paused;

    /// <summary>Whether sends are waiting on the client now (or were, with the app's turn in between).</summary>
    public bool Measuring => _measuring;

    /// <summary>Whether a limit applies at all.</summary>
    public bool Enabled => minRate > 0;

    /// <summary>A send has to wait for the client; true when measuring starts (the caller then checks periodically).</summary>
    public bool Stalled(long now)
    {
        if (!_measuring)
        {
            _measuring = true;
            _since = now;
            _bytes = 0;
            _paused = false;
            return true;
        }
        if (_paused) _since += now - _pausedAt;
        _paused = false;
        return false;
    }

    /// <summary>Bytes the client took while measured.</summary>
    public void Sent(long bytes)
    {
        if (_measuring) _bytes += bytes;
    }

    /// <summary>Everything sent: waiting on the app now, which does not count.</summary>
    public void Paused(long now)
    {
        if (!_measuring) return;
        _paused = true;
        _pausedAt = now;
    }

    /// <summary>A send went through at once: the client keeps up, measuring stops.</summary>
    public void KeptUp() => _measuring = _paused = false;

    /// <summary>Whether the client, measured up to <paramref name="now"/>, reads too slowly.</summary>
    public bool TooSlow(long now)
    {
        if (!_measuring || _paused) return false;
        long waited = now - _since;
        return waited > graceMs && _bytes * 1000 < (long)minRate * waited;
    }
}
