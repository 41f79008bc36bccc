namespace AkkaGunicorn.Workers.Sockets;

/// <summary>
/// Deadlines for lingering closes, one timer per second rather than one per connection: connections that close in
/// the same second share a token, cancelled at the end of the second after their linger time.
/// </summary>
internal static class LingerClock
{
    private static readonly object Gate = new();
    private static long _second;
    private static CancellationTokenSource? _bucket;

    /// <summary>A token cancelled between <paramref name="after"/> and one second more from now.</summary>
    public static CancellationToken Deadline(TimeSpan after)
    {
        long now = Environment.TickCount64;
        long second = (now + (long)after.TotalMilliseconds) / 1000 + 1;
        lock (Gate)
        {
            if (_bucket is null || _second != second)
            {
                _second = second;
                _bucket = new CancellationTokenSource(TimeSpan.FromMilliseconds(second * 1000 - now));
            }
            return _bucket.Token;
        }
    }
}
