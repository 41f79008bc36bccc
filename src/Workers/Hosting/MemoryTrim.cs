namespace AkkaGunicorn.Workers.Hosting;

/// <summary>
/// Decides when an idle worker hands memory back to the system. The garbage collector frees a large body's buffers
/// but keeps the memory they used committed for the next burst, so one 50 MB upload to an app that buffers it left a
/// worker at a gigabyte for good. A worker that has grown well past its floor (what it held when it began to serve, or
/// after its last trim) and has been idle for a heartbeat runs one compacting collection that returns free memory to the
/// system: a pause only when nobody waits for it, and never under load. The first idle tick trims whatever the worker
/// holds: booting (Akka's configuration, the app's start-up) leaves megabytes of garbage that a collector sized for
/// serving would keep resident until load came (3.5-7.5 MB of an idle worker's 87-115 MB). A pure decision, so that it
/// can be tested.
/// </summary>
/// <param name="floorBytes">
/// What the worker holds before its first connection. Not the first heartbeat's figure: a worker serves before the
/// Arbiter answers its registration, so by its first tick it may be in the middle of a large body, and that floor
/// would never be trimmed down to.
/// </param>
/// <param name="slackBytes">How far above its floor a worker may grow before an idle moment trims it.</param>
public sealed class MemoryTrim(long floorBytes, long slackBytes = 64L * 1024 * 1024)
{
    private long _floor = floorBytes, _lastServed = -1;
    private bool _bootTrimmed;

    /// <summary>
    /// Called once per heartbeat tick with the worker's resident bytes, requests in flight and requests served so far;
    /// true when now is the time to trim.
    /// </summary>
    public bool ShouldTrim(long residentBytes, long inFlight, long served)
    {
        bool idle = inFlight == 0 && served == _lastServed;
        _lastServed = served;
        return idle && (!_bootTrimmed || residentBytes > _floor + slackBytes);
    }

    /// <summary>
    /// After a trim: what the worker still holds is its floor now, so that it is not trimmed again for nothing. The
    /// first trim measures the floor truly (booting's garbage gone); later ones never lower it.
    /// </summary>
    public void Trimmed(long residentBytes)
    {
        _floor = _bootTrimmed ? Math.Max(_floor, residentBytes) : residentBytes;
        _bootTrimmed = true;
    }
}
