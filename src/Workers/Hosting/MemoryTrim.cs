namespace AkkaGunicorn.Workers.Hosting;

/// <summary>
/// Decides when an idle worker hands memory back to the system. The garbage collector frees a large body's buffers
/// but keeps the memory they used committed for the next burst, so one 50 MB upload to an app that buffers it left a
/// worker at a gigabyte for good. A worker that has grown well past its floor (what it held when it began to serve, or
/// after its last trim) and is idle for a heartbeat runs one compacting collection that returns free memory to the
/// system: a pause only when nobody waits for it, and never under load. A worker quiet for a while (<c>settle</c>) gives
/// back the rest: the first time, everything (booting, Akka's configuration and the app's start-up, leaves megabytes of
/// garbage that a collector sized for serving would keep resident until load came: 3.5-7.5 MB of an idle worker's
/// 87-115 MB); after each later stretch of serving, the C library's heap, where the runtime leaves what it freed
/// (the JIT's working memory, freed once its background compiler has been idle for some seconds: 7-8 MB of an idle
/// worker's 76 MB). Every trim ends with that heap. A pure decision, so that it can be tested.
/// </summary>
/// <param name="floorBytes">
/// What the worker holds before its first connection. Not the first heartbeat's figure: a worker serves before the
/// Arbiter answers its registration, so by its first tick it may be in the middle of a large body, and that floor
/// would never be trimmed down to.
/// </param>
/// <param name="settle">How long a worker is quiet before it gives back what serving (or booting) left.</param>
/// <param name="slackBytes">How far above its floor a worker may grow before an idle moment trims it.</param>
public sealed class MemoryTrim(long floorBytes, TimeSpan settle, long slackBytes = 64L * 1024 * 1024)
{
    /// <summary>
    /// A worker's quiet time before it gives back: the runtime's background compiler exits four seconds after its last
    /// method and frees its memory only then (a trim at 3 s gave back nothing, one at 8 s 8 MB).
    /// </summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    private long _floor = floorBytes, _lastServed = -1;
    private long? _quietSinceMs;
    private bool _bootTrimmed, _settledTrimmed;

    /// <summary>
    /// Called once per heartbeat tick, at <paramref name="nowMs"/> (a monotonic clock), with the worker's resident
    /// bytes, requests in flight and requests served so far: what to give back now.
    /// </summary>
    public TrimDepth Decide(long residentBytes, long inFlight, long served, long nowMs)
    {
        bool quiet = inFlight == 0 && served == _lastServed;
        _lastServed = served;
        if (!quiet)
        {
            _quietSinceMs = null;
            _settledTrimmed = false;
            return TrimDepth.None;
        }
        _quietSinceMs ??= nowMs;
        if (_bootTrimmed && residentBytes > _floor + slackBytes) return TrimDepth.Full;
        if (_settledTrimmed || nowMs - _quietSinceMs < (long)settle.TotalMilliseconds) return TrimDepth.None;
        _settledTrimmed = true;
        return _bootTrimmed ? TrimDepth.NativeHeap : TrimDepth.Full;
    }

    /// <summary>
    /// After a full trim: what the worker still holds is its floor now, so that it is not trimmed again for nothing. The
    /// first trim measures the floor truly (booting's garbage gone); later ones never lower it.
    /// </summary>
    public void Trimmed(long residentBytes)
    {
        _floor = _bootTrimmed ? Math.Max(_floor, residentBytes) : residentBytes;
        _bootTrimmed = true;
    }
}
