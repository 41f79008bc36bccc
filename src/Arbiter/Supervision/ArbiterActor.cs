using Akka.Actor;
using Akka.Pattern;
using AkkaGunicorn.Workers.Protocol;

namespace AkkaGunicorn.Arbiter.Supervision;

/// <summary>What the Arbiter actor is given.</summary>
/// <param name="Workers">How many worker processes to keep running.</param>
/// <param name="GracefulTimeout">How long a graceful stop lets in-flight requests run.</param>
/// <param name="Launcher">Starts worker processes.</param>
/// <param name="Secret">The per-run secret workers must present.</param>
/// <param name="Exit">Completed with the exit code when the server has stopped.</param>
public sealed record ArbiterOptions(int Workers, TimeSpan GracefulTimeout, IWorkerLauncher Launcher, string Secret, TaskCompletionSource<int> Exit)
{
    /// <summary>Back-off before replacing a crashed worker: the first, then doubling to the most.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest back-off.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// The master: keeps <c>workers</c> slots, each a back-off supervisor over one <see cref="WorkerProcess"/>,
/// so that a crashed worker is replaced by supervision and a crash loop slows down instead of spinning.
/// It authenticates registrations, routes worker messages to the slot that owns the PID, and stops the
/// server (gracefully or quickly) on command or when a worker cannot boot.
/// </summary>
public sealed class ArbiterActor : ReceiveActor, IWithTimers
{
    private readonly ArbiterOptions _options;
    private static readonly Serilog.ILogger Log = Serilog.Log.ForContext<ArbiterActor>();
    private readonly Dictionary<int, IActorRef> _processes = new();
    private readonly Dictionary<int, int> _deadPidBySlot = new();
    private readonly HashSet<IActorRef> _slots = [];
    private int _generation = 1;
    private int? _exitCode;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record ShutdownDeadlinePassed;

    /// <summary>Props for the Arbiter.</summary>
    public static Props Props(ArbiterOptions options) => Akka.Actor.Props.Create(() => new ArbiterActor(options));

    /// <summary>Creates the Arbiter; use <see cref="Props"/>.</summary>
    public ArbiterActor(ArbiterOptions options)
    {
        _options = options;
        Receive<WorkerSpawned>(OnSpawned);
        Receive<Register>(OnRegister);
        Receive<Heartbeat>(m => RouteByPid(m.Pid, m));
        Receive<Drained>(m => RouteByPid(m.Pid, m));
        Receive<WorkerExited>(OnExited);
        Receive<WorkerBootFailed>(m =>
        {
            Log.Error(m.ExitCode == Workers.Hosting.WorkerEnvironment.AppLoadErrorExitCode
                ? "App failed to load in worker (pid:{0}); shutting down" : "Worker (pid:{0}) failed to boot; shutting down", m.Pid);
            _processes.Remove(m.Pid);
            BeginStop(graceful: false, "a worker could not boot", m.ExitCode);
        });
        Receive<Shutdown>(m => BeginStop(m.Graceful, m.Reason, 0));
        Receive<ShutdownDeadlinePassed>(_ =>
        {
            foreach (var slot in _slots) Context.Stop(slot);
        });
        Receive<Terminated>(t =>
        {
            _slots.Remove(t.ActorRef);
            if (_exitCode is { } code && _slots.Count == 0) Finish(code);
        });
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        for (int slot = 1; slot <= _options.Workers; slot++) StartSlot(slot);
    }

    private void StartSlot(int slot)
    {
        var worker = WorkerProcess.Props(slot, _generation, _options.Launcher, Self, _options.Secret);
        var backoff = Backoff.OnFailure(worker, "process", _options.MinBackoff, _options.MaxBackoff, 0.2, -1)
            .WithAutoReset(TimeSpan.FromSeconds(30))
            .WithSupervisorStrategy(new OneForOneStrategy(e => e is WorkerCrashedException ? Directive.Restart : Directive.Escalate));
        var supervisor = Context.ActorOf(BackoffSupervisor.Props(backoff), $"slot-{slot}");
        Context.Watch(supervisor);
        _slots.Add(supervisor);
    }

    private void OnSpawned(WorkerSpawned m)
    {
        _processes[m.Pid] = Sender;
        if (_deadPidBySlot.Remove(m.Slot, out var dead)) Log.Information("Booting worker with pid: {0} (replacing pid {1})", m.Pid, dead);
        else Log.Information("Booting worker with pid: {0}", m.Pid);
        if (_exitCode is not null) Sender.Tell(new RetireWorker("shutting down", Graceful: false, TimeSpan.Zero));
    }

    private void OnRegister(Register m)
    {
        if (m.Secret != _options.Secret || !_processes.TryGetValue(m.Pid, out var process))
        {
            Log.Warning("Refused a registration from {0} (pid {1}): {2}", Sender.Path, m.Pid,
                m.Secret != _options.Secret ? "wrong secret" : "not a worker of this Arbiter");
            Sender.Tell(new Rejected("unknown worker"));
            return;
        }
        process.Tell(new WorkerRegistered(Sender));
    }

    private void OnExited(WorkerExited m)
    {
        _processes.Remove(m.Pid);
        if (m.Expected)
        {
            Log.Information("Worker exiting (pid: {0}): {1}", m.Pid, m.How);
            return;
        }
        Log.Error("Worker (pid:{0}) {1}", m.Pid, m.How);
        _deadPidBySlot[m.Slot] = m.Pid;
    }

    private void RouteByPid(int pid, object message)
    {
        if (_processes.TryGetValue(pid, out var process)) process.Forward(message);
    }

    private void BeginStop(bool graceful, string reason, int exitCode)
    {
        if (_exitCode is not null) return;
        _exitCode = exitCode;
        Log.Information("{0}: {1}", graceful ? "Graceful stop" : "Quick stop", reason);
        if (_slots.Count == 0) { Finish(exitCode); return; }
        var timeout = graceful ? _options.GracefulTimeout : TimeSpan.Zero;
        foreach (var slot in _slots) slot.Tell(new RetireWorker(reason, graceful, timeout));
        // A slot waiting out a back-off has no process to retire: stop such slots at the deadline.
        Timers.StartSingleTimer("shutdown", new ShutdownDeadlinePassed(), timeout + TimeSpan.FromSeconds(3));
    }

    private void Finish(int exitCode)
    {
        Log.Information("Shutting down: Master");
        _options.Exit.TrySetResult(exitCode);
        Context.Stop(Self);
    }
}
