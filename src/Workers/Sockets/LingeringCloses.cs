namespace AkkaGunicorn.Workers.Sockets;

/// <summary>
/// Sockets whose last response is sent and which linger before they close (reading and discarding what the client
/// still sends, so that a reset does not destroy the response). They are no longer connections the worker serves: the
/// connection limit and the balance between workers stop counting them as soon as they begin to linger. Counting them
/// made a worker look busier than it was for the length of a round trip, and siblings waited on each other at every
/// new connection. The process still waits for them before it exits, so that exiting does not reset them.
/// </summary>
internal static class LingeringCloses
{
    private static readonly object Gate = new();
    private static int _count;
    private static TaskCompletionSource? _none;

    /// <summary>Follows <paramref name="linger"/> until it completes.</summary>
    public static void Track(Task linger)
    {
        lock (Gate) _count++;
        linger.ContinueWith(_ => Finished(), TaskScheduler.Default);
    }

    /// <summary>Completes once no socket lingers (at once if none does).</summary>
    public static Task WhenNoneAsync()
    {
        lock (Gate)
        {
            if (_count == 0) return Task.CompletedTask;
            return (_none ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    private static void Finished()
    {
        TaskCompletionSource? none = null;
        lock (Gate)
        {
            if (--_count == 0)
            {
                none = _none;
                _none = null;
            }
        }
        none?.TrySetResult();
    }
}
