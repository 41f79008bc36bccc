using Akka.Actor;
using AkkaGunicorn.Arbiter.Control;
using AkkaGunicorn.Arbiter.Hooks;
using AkkaGunicorn.Arbiter.Pool;
using AkkaGunicorn.Http.Hooks;
using AkkaGunicorn.Workers.Hosting;
using AkkaGunicorn.Workers.Protocol;

namespace AkkaGunicorn.Arbiter.Supervision;

/// <summary>
/// Owns one worker OS process from spawn to reaped exit. It turns the process's events into messages,
/// and an unexpected exit into a <see cref="WorkerCrashedException"/> that its supervisor answers by
/// starting a replacement (with back-off). When stopped for any reason, it makes sure its process is dead.
/// </summary>
public sealed class WorkerProcess : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private const string RetireTimer = "retire", LivenessTimer = "liveness", AbortTimer = "abort";
    private static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(1);
    private const int SIGABRT = 6, SIGTERM = 15;
    private readonly WorkerPlan _plan;
    private readonly SlotRef _slotRef;
    private readonly ArbiterHooks _hooks;
    private readonly IWorkerLauncher _launcher;
    private readonly IActorRef _arbiter, _stats;
    private static readonly Serilog.ILogger Log = Serilog.Log.ForContext<WorkerProcess>();
    private IWorkerHandle? _process;
    private IActorRef? _worker;
    private readonly TimeSpan _timeout;
    private bool _exited, _timedOut;
    // Set once told to retire; a worker that registers after that is drained the same way, in the time left.
    private RetireWorker? _retirement;
    private DateTime _retireDeadline;
    private DateTime _lastHeard;
    private long _served;
    private DateTime _started;
    private DateTime? _booted;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    /// <summary>Props for one worker slot's process.</summary>
    public static Props Props(SlotRef slot, WorkerPlan plan, IWorkerLauncher launcher, IActorRef arbiter, IActorRef stats,
        ArbiterHooks hooks) =>
        Akka.Actor.Props.Create(() => new WorkerProcess(slot, plan, launcher, arbiter, stats, hooks));

    /// <summary>Creates the actor; use <see cref="Props"/>.</summary>
    public WorkerProcess(SlotRef slot, WorkerPlan plan, IWorkerLauncher launcher, IActorRef arbiter, IActorRef stats, ArbiterHooks hooks)
    {
        _stats = stats;
        _hooks = hooks;
        _slotRef = slot;
        _timeout = plan.Timeout;
        _plan = plan;
        _launcher = launcher;
        _arbiter = arbiter;
        Forking();
    }

    /// <summary>Internal: the pre_fork hook has run; the process may start.</summary>
    private sealed record ForkAllowed;

    /// <summary>Until pre_fork has run there is no process: whatever comes waits for it.</summary>
    private void Forking()
    {
        Receive<ForkAllowed>(_ =>
        {
            Launch();
            Become(Alive);
            Stash.UnstashAll();
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Alive()
    {
        // Every protocol message must carry this worker's token; a peer without it is logged and ignored.
        Receive<Register>(m => !Authentic(m, m.Token), m => Sender.Tell(new Rejected(m.Token, "unknown worker")));
        Receive<Heartbeat>(m => !Authentic(m, m.Token), _ => { });
        Receive<Drained>(m => !Authentic(m, m.Token), _ => { });
        Receive<RecycleWanted>(m => !Authentic(m, m.Token), _ => { });
        Receive<Register>(_ =>
        {
            _worker = Sender;
            _worker.Tell(new Registered(_process!.Token));
            _lastHeard = DateTime.UtcNow;
            if (_retirement is { } retirement)
            {
                // It may have been serving since its app came up (and drained itself on the TERM it was sent): its
                // open connections get what is left of the graceful time, not none.
                _worker.Tell(DrainFor(retirement, _retireDeadline - DateTime.UtcNow));
                return;
            }
            _booted = DateTime.UtcNow;
            _arbiter.Tell(new WorkerBooted(_slotRef.Number, _process!.Pid));
            if (_timeout > TimeSpan.Zero)
                Timers.StartPeriodicTimer(LivenessTimer, new CheckLiveness(), TimeSpan.FromTicks(Math.Max(_timeout.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks)));
        });
        Receive<Heartbeat>(m =>
        {
            _lastHeard = DateTime.UtcNow;
            _stats.Tell(new WorkerReported(_slotRef.Number, _plan.Generation, _started, _booted, m, _lastHeard));
            _served = m.Served;
        });
        Receive<CheckLiveness>(_ =>
        {
            if (_timedOut || _retirement is not null || DateTime.UtcNow - _lastHeard <= _timeout) return;
            // Gunicorn's order: ABRT lets a live runtime die noisily; KILL follows for one that cannot (stopped, wedged).
            _timedOut = true;
            Log.Fatal("WORKER TIMEOUT (pid:{Pid})", _process!.Pid);
            _process.Signal(SIGABRT);
            Timers.StartSingleTimer(AbortTimer, new AbortGracePassed(), AbortGrace);
        });
        Receive<AbortGracePassed>(_ => _process!.Kill());
        Receive<Drained>(m => _served = m.Served);
        // The worker talks to this actor (the sender of Registered); what concerns the whole server goes up.
        // The worker decides when it should be recycled; the pool starts its replacement first.
        Receive<RecycleWanted>(m => _arbiter.Tell(new RecycleWorker(_slotRef.Number, m.Reason)));
        Receive<RetireWorker>(Retire);
        Receive<RetireDeadlinePassed>(_ =>
        {
            Log.Warning("Worker (pid:{Pid}) did not stop in time; killing it", _process!.Pid);
            _process.Kill();
        });
        Receive<ProcessExited>(OnProcessExited);
        Receive<SignalWorker>(m =>
        {
            if (!_exited) _process!.Signal(m.Signal);
        });
    }

    /// <inheritdoc />
    protected override void PreStart() =>
        _hooks.PreFork(new WorkerInfo(0, Environment.ProcessId, _plan.Generation, _slotRef.Number)).PipeTo(Self, success: () => new ForkAllowed());

    private void Launch()
    {
        _process = _launcher.Launch(_plan, _slotRef);
        _started = DateTime.UtcNow;
        var self = Self;
        _process.Exited.ContinueWith(t => self.Tell(new ProcessExited(t.Result)), TaskContinuationOptions.ExecuteSynchronously);
        _arbiter.Tell(new WorkerSpawned(_slotRef.Number, _process.Pid));
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        if (_process is not null && !_exited) _process.Kill();
    }

    private bool Authentic(object message, string token)
    {
        if (_process is not null && WorkerSecrets.SameToken(token, _process.Token)) return true;
        ArbiterActor.Refused.Write("token", Serilog.Events.LogEventLevel.Warning, null,
            "Ignored a {Message} for worker (pid:{Pid}) from {Path}: wrong token", message.GetType().Name, _process?.Pid, Sender.Path);
        return false;
    }

    private void Retire(RetireWorker m)
    {
        _retirement = m;
        _retireDeadline = DateTime.UtcNow + m.Timeout;
        if (!m.Graceful)
        {
            _process!.Kill();
            return;
        }
        // A worker serves from the moment its app is up, before it has registered: one not registered yet is told by
        // TERM, which drains it as a Drain would (and if it registers meanwhile, it gets the Drain too).
        if (_worker is null) _process!.Signal(SIGTERM);
        else _worker.Tell(DrainFor(m, m.Timeout));
        Timers.StartSingleTimer(RetireTimer, new RetireDeadlinePassed(), m.Timeout + TimeSpan.FromSeconds(2));
    }

    /// <summary>The worker's drain for <paramref name="retirement"/>, with <paramref name="time"/> to finish in.</summary>
    private Drain DrainFor(RetireWorker retirement, TimeSpan time) =>
        new(_process!.Token, retirement.Reason, Math.Max(0, (long)time.TotalMilliseconds), retirement.SweepBacklog);

    private void OnProcessExited(ProcessExited m)
    {
        _exited = true;
        int pid = _process!.Pid;
        var how = ExitDescription.Of(m.ExitCode);
        if (_retirement is not null)
        {
            _arbiter.Tell(new WorkerExited(_slotRef.Number, pid, how, Expected: true, _served));
            Context.Stop(Self);
            return;
        }
        if (_worker is null && m.ExitCode is WorkerExit.BootError or WorkerExit.AppLoadError)
        {
            _arbiter.Tell(new WorkerBootFailed(_slotRef.Number, pid, m.ExitCode));
            Context.Stop(Self);
            return;
        }
        _arbiter.Tell(new WorkerExited(_slotRef.Number, pid, how, Expected: false, _served));
        throw new WorkerCrashedException(pid, how);
    }
}
