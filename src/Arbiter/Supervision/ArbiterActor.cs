using Akka.Actor;
using Akka.Pattern;
using AkkaGunicorn.Workers.Hosting;
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

    /// <summary>How long a worker may go without a heartbeat before it is aborted; zero disables the check.</summary>
    public TimeSpan Timeout { get; init; }

    /// <summary>Closes the Arbiter's own listening descriptors when the server stops (the workers hold theirs).</summary>
    public Action CloseListeners { get; init; } = () => { };
}

/// <summary>
/// The master: keeps the wanted number of slots, each a back-off supervisor over one <see cref="WorkerProcess"/>,
/// so that a crashed worker is replaced by supervision and a crash loop slows down instead of spinning.
/// It authenticates registrations and hands each to the slot that owns the PID (the worker then talks to
/// that slot's <see cref="WorkerProcess"/>), scales on
/// TTIN/TTOU, recycles a worker that reached its request quota (starting the replacement first), and
/// stops the server (gracefully or quickly) on command or when a worker cannot boot.
/// </summary>
public sealed class ArbiterActor : ReceiveActor, IWithTimers
{
    private static readonly Serilog.ILogger Log = Serilog.Log.ForContext<ArbiterActor>();
    private readonly ArbiterOptions _options;
    private readonly Dictionary<int, IActorRef> _processes = new();
    private readonly Dictionary<int, int> _deadPidBySlot = new();
    // Slots in the order they were started; the oldest is retired first (as Gunicorn's TTOU does).
    private readonly List<(int Slot, IActorRef Supervisor)> _slots = [];
    // A new slot's number → the slot it replaces once it serves (max_requests recycling).
    private readonly Dictionary<int, IActorRef> _replacing = new();
    private readonly HashSet<IActorRef> _retiring = [];
    private int _desired, _lastSlot;
    private readonly int _generation = 1;
    private int? _exitCode;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record ShutdownDeadlinePassed;

    private sealed record StopSlotIfAlive(IActorRef Slot);

    /// <summary>Props for the Arbiter.</summary>
    public static Props Props(ArbiterOptions options) => Akka.Actor.Props.Create(() => new ArbiterActor(options));

    /// <summary>Creates the Arbiter; use <see cref="Props"/>.</summary>
    public ArbiterActor(ArbiterOptions options)
    {
        _options = options;
        _desired = options.Workers;
        Receive<WorkerSpawned>(OnSpawned);
        Receive<Register>(OnRegister);
        Receive<WorkerBooted>(OnBooted);
        Receive<QuotaReached>(OnQuotaReached);
        Receive<WorkerExited>(OnExited);
        Receive<WorkerBootFailed>(m =>
        {
            Log.Error(m.ExitCode == WorkerEnvironment.AppLoadErrorExitCode
                ? "App failed to load in worker (pid:{Pid}); shutting down" : "Worker (pid:{Pid}) failed to boot; shutting down", m.Pid);
            _processes.Remove(m.Pid);
            BeginStop(graceful: false, "a worker could not boot", m.ExitCode);
        });
        Receive<ScaleWorkers>(OnScale);
        Receive<RetireAllWorkers>(_ =>
        {
            if (_exitCode is not null) return;
            _desired = 0;
            foreach (var (_, supervisor) in _slots.Where(s => !_retiring.Contains(s.Supervisor)).ToList()) Retire(supervisor, "WINCH");
            Log.Information("Number of workers: 0 (WINCH); the Arbiter keeps running");
        });
        Receive<Shutdown>(m => BeginStop(m.Graceful, m.Reason, 0));
        Receive<ShutdownDeadlinePassed>(_ =>
        {
            foreach (var (_, slot) in _slots) Context.Stop(slot);
        });
        Receive<StopSlotIfAlive>(m => Context.Stop(m.Slot));
        Receive<Terminated>(t =>
        {
            _slots.RemoveAll(s => s.Supervisor.Equals(t.ActorRef));
            _retiring.Remove(t.ActorRef);
            if (_exitCode is { } code && _slots.Count == 0) Finish(code);
        });
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        for (int i = 0; i < _desired; i++) StartSlot();
    }

    private int StartSlot()
    {
        int slot = ++_lastSlot;
        var worker = WorkerProcess.Props(slot, _generation, _options.Launcher, Self, _options.Secret, _options.Timeout);
        var backoff = Backoff.OnFailure(worker, "process", _options.MinBackoff, _options.MaxBackoff, 0.2, -1)
            .WithAutoReset(TimeSpan.FromSeconds(30))
            .WithSupervisorStrategy(new OneForOneStrategy(e => e is WorkerCrashedException ? Directive.Restart : Directive.Escalate));
        var supervisor = Context.ActorOf(BackoffSupervisor.Props(backoff), $"slot-{slot}");
        Context.Watch(supervisor);
        _slots.Add((slot, supervisor));
        return slot;
    }

    /// <summary>Retires a slot gracefully; its back-off supervisor passes the command to the worker process.</summary>
    private void Retire(IActorRef supervisor, string reason)
    {
        _retiring.Add(supervisor);
        supervisor.Tell(new RetireWorker(reason, Graceful: true, _options.GracefulTimeout));
        // A slot waiting out a back-off has no process to retire; stop it at the deadline either way.
        Timers.StartSingleTimer($"retire-{supervisor.Path.Name}", new StopSlotIfAlive(supervisor), _options.GracefulTimeout + TimeSpan.FromSeconds(3));
    }

    private void OnSpawned(WorkerSpawned m)
    {
        _processes[m.Pid] = Sender;
        if (_deadPidBySlot.Remove(m.Slot, out var dead)) Log.Information("Booting worker with pid: {Pid} (replacing pid {Dead})", m.Pid, dead);
        else Log.Information("Booting worker with pid: {Pid}", m.Pid);
        if (_exitCode is not null) Sender.Tell(new RetireWorker("shutting down", Graceful: false, TimeSpan.Zero));
    }

    private void OnRegister(Register m)
    {
        if (m.Secret != _options.Secret || !_processes.TryGetValue(m.Pid, out var process))
        {
            Log.Warning("Refused a registration from {Path} (pid {Pid}): {Reason}", Sender.Path, m.Pid,
                m.Secret != _options.Secret ? "wrong secret" : "not a worker of this Arbiter");
            Sender.Tell(new Rejected("unknown worker"));
            return;
        }
        process.Tell(new WorkerRegistered(Sender));
    }

    private void OnBooted(WorkerBooted m)
    {
        if (_replacing.Remove(m.Slot, out var old) && _exitCode is null)
        {
            Log.Information("Worker (pid:{Pid}) serves; retiring the worker it replaces", m.Pid);
            Retire(old, "max_requests reached");
        }
    }

    private void OnQuotaReached(QuotaReached m)
    {
        if (_exitCode is not null || !_processes.TryGetValue(m.Pid, out var process)) return;
        // The process actor's parent is its slot's back-off supervisor.
        var slot = _slots.FirstOrDefault(s => s.Supervisor.Path.Equals(process.Path.Parent)).Supervisor;
        if (slot is null || _replacing.ContainsValue(slot) || _retiring.Contains(slot)) return;
        Log.Information("Worker (pid:{Pid}) served {Served} requests (max_requests): starting its replacement", m.Pid, m.Served);
        _replacing[StartSlot()] = slot;
    }

    private void OnScale(ScaleWorkers m)
    {
        if (_exitCode is not null) return;
        if (m.Delta > 0)
        {
            _desired += m.Delta;
            for (int i = 0; i < m.Delta; i++) StartSlot();
        }
        else
        {
            var active = _slots.Where(s => !_retiring.Contains(s.Supervisor)).ToList();
            int remove = Math.Min(-m.Delta, active.Count - 1);
            if (remove <= 0)
            {
                Log.Warning("TTOU ignored: at least one worker must run");
                return;
            }
            _desired -= remove;
            foreach (var (_, supervisor) in active.Take(remove)) Retire(supervisor, "TTOU");
        }
        Log.Information("Number of workers: {Desired}", _desired);
    }

    private void OnExited(WorkerExited m)
    {
        _processes.Remove(m.Pid);
        if (m.Expected)
        {
            Log.Information("Worker exiting (pid: {Pid}): {How}", m.Pid, m.How);
            return;
        }
        Log.Error("Worker (pid:{Pid}) {How}", m.Pid, m.How);
        _deadPidBySlot[m.Slot] = m.Pid;
    }

    private void BeginStop(bool graceful, string reason, int exitCode)
    {
        if (_exitCode is not null) return;
        _exitCode = exitCode;
        Log.Information("{Kind}: {Reason}", graceful ? "Graceful stop" : "Quick stop", reason);
        if (_slots.Count == 0) { Finish(exitCode); return; }
        var timeout = graceful ? _options.GracefulTimeout : TimeSpan.Zero;
        foreach (var (_, slot) in _slots) slot.Tell(new RetireWorker(reason, graceful, timeout, SweepBacklog: true));
        // The listening socket dies with the last descriptor: let that be the last worker's, right after its
        // final sweep of the queue, so that nothing waits in a queue that nobody will accept from.
        _options.CloseListeners();
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
