namespace AkkaGunicorn.Workers.Hosting;

/// <summary>
/// Decides when an idle worker hands memory back to the system. The garbage collector frees a large body's buffers
/// but keeps the memory they used committed for the next burst, so one 50 MB upload to an app that buffers it left a
/// worker at a gigabyte for good. A worker that has grown well past its floor (what it held after booting, or after its
/// last trim) and has been idle for a heartbeat runs one compacting collection that returns free memory to the system:
/// a pause only when nobody waits for it, and never under load. A pure decision, so that it can be tested.
/// </summary>
/// <param name="slackBytes">How far above its floor a worker may grow before an idle moment trims it.</param>
public sealed class MemoryTrim(long slackBytes = 64L * 1024 * 1024)
{
    private long _floor = -1, _lastServed = -1;

    /// <summary>
    /// Called once per heartbeat tick with the worker's resident bytes, requests in flight and requests served so far;
    /// true when now is the time to trim.
    /// </summary>
    public bool ShouldTrim(long residentBytes, long inFlight, long served)
    {
        bool idle = inFlight == 0 && served == _lastServed;
        _lastServed = served;
        if (_floor < 0)
        {
            _floor = residentBytes;
            return false;
        }
        return idle && residentBytes > _floor + slackBytes;
    }

    /// <summary>After a trim: what the worker still holds is its floor now, so that it is not trimmed again for nothing.</summary>
    public void Trimmed(long residentBytes) => _floor = Math.Max(_floor, residentBytes);
}
