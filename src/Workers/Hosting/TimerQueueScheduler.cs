using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Event;

namespace AkkaGunicorn.Workers.Hosting;

/// <summary>
/// Akka's scheduler on .NET's own timers: each scheduled message or action is a <see cref="Timer"/>, so an idle
/// process wakes only for what is due. Akka's default scheduler ticks every 10 ms whatever is scheduled, and each
/// tick woke a thread-pool thread that then spun before sleeping: 4-5% of a core per process, Arbiter and workers
/// alike, with nothing to do.
/// </summary>
public sealed class TimerQueueScheduler : SchedulerBase, IDisposable
{
    /// <summary>The HOCON that installs this scheduler.</summary>
    public const string Config = """akka.scheduler.implementation = "AkkaGunicorn.Workers.Hosting.TimerQueueScheduler, AkkaGunicorn.Workers" """;

    private volatile bool _disposed;

    /// <summary>Created by Akka from <c>akka.scheduler.implementation</c>.</summary>
    public TimerQueueScheduler(Akka.Configuration.Config scheduler, ILoggingAdapter log) : base(scheduler, log) { }

    /// <inheritdoc />
    protected override DateTimeOffset TimeNow => DateTimeOffset.UtcNow;

    /// <inheritdoc />
    public override TimeSpan MonotonicClock => Stopwatch.GetElapsedTime(0);

    /// <inheritdoc />
    public override TimeSpan HighResMonotonicClock => Stopwatch.GetElapsedTime(0);

    /// <inheritdoc />
    protected override void InternalScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef sender, ICancelable cancelable) =>
        Schedule(delay, Timeout.InfiniteTimeSpan, () => receiver.Tell(message, sender), cancelable);

    /// <inheritdoc />
    protected override void InternalScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef sender,
        ICancelable cancelable) =>
        Schedule(initialDelay, interval, () => receiver.Tell(message, sender), cancelable);

    /// <inheritdoc />
    protected override void InternalScheduleOnce(TimeSpan delay, Action action, ICancelable cancelable) =>
        Schedule(delay, Timeout.InfiniteTimeSpan, action, cancelable);

    /// <inheritdoc />
    protected override void InternalScheduleOnce(TimeSpan delay, IRunnable action, ICancelable cancelable) =>
        Schedule(delay, Timeout.InfiniteTimeSpan, action.Run, cancelable);

    /// <inheritdoc />
    protected override void InternalScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action, ICancelable cancelable) =>
        Schedule(initialDelay, interval, action, cancelable);

    /// <inheritdoc />
    protected override void InternalScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, IRunnable action, ICancelable cancelable) =>
        Schedule(initialDelay, interval, action.Run, cancelable);

    private void Schedule(TimeSpan delay, TimeSpan period, Action action, ICancelable? cancelable)
    {
        if (_disposed || cancelable?.IsCancellationRequested == true) return;
        // Not tracked: a timer that fires after Dispose stops itself (see Fire), and tracking each one in a concurrent
        // set cost 4% of a worker's time under a new-connection-per-request load (a deadline timer per connection).
        var entry = new Entry(this, action, cancelable, period == Timeout.InfiniteTimeSpan);
        entry.Start(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, period);
    }

    /// <summary>Stops every timer: nothing scheduled runs once the actor system is gone (each timer stops itself when next due).</summary>
    public void Dispose() => _disposed = true;

    private sealed class Entry(TimerQueueScheduler owner, Action action, ICancelable? cancelable, bool once)
    {
        private Timer? _timer;
        private CancellationTokenRegistration _registration;
        private int _stopped;

        public void Start(TimeSpan delay, TimeSpan period)
        {
            // Flow no execution context into timer callbacks: they only post messages.
            using (ExecutionContext.SuppressFlow())
                _timer = new Timer(static state => ((Entry)state!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            if (cancelable is not null) _registration = cancelable.Token.UnsafeRegister(static state => ((Entry)state!).Stop(), this);
            try
            {
                if (Volatile.Read(ref _stopped) == 0) _timer.Change(delay, period);
            }
            catch (ObjectDisposedException)
            {
                // Cancelled while starting.
            }
        }

        private void Fire()
        {
            if (owner._disposed || cancelable?.IsCancellationRequested == true || Volatile.Read(ref _stopped) != 0)
            {
                Stop();
                return;
            }
            try
            {
                action();
            }
            catch (Exception e)
            {
                owner.Log.Error(e, "A scheduled action failed");
            }
            if (once) Stop();
        }

        public void Stop()
        {
            if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
            _timer?.Dispose();
            _registration.Dispose();
        }
    }
}
