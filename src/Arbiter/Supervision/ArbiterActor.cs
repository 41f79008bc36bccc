using Akka.Actor;
using Akka.Pattern;
using AkkaGunicorn.Arbiter.Control;
using AkkaGunicorn.Arbiter.Hooks;
using AkkaGunicorn.Http.Hooks;
using AkkaGunicorn.Workers.Hosting;
using AkkaGunicorn.Workers.Protocol;

namespace AkkaGunicorn.Arbiter.Supervision;

/// <summary>
/// The master: keeps the wanted number of slots, each a back-off supervisor over one <see cref="WorkerProcess"/>,
/// so that a crashed worker is replaced by supervision and a crash loop slows down instead of spinning.
/// It authenticates registrations and hands each to the slot that owns the PID (the worker then talks to
/// that slot's <see cref="WorkerProcess"/>), scales on TTIN/TTOU, recycles a worker that reached its request
/// quota (starting the replacement first), reloads on HUP (a new generation takes over before the old one
/// drains; a new generation that cannot boot is abandoned and the old one keeps serving), and stops the
/// server (gracefully or quickly) on command or when a worker cannot boot.
/// </summary>
public sealed class ArbiterActor : ReceiveActor, IWithTimers
{
    private static readonly Serilog.ILogger Log = Serilog.Log.ForContext<ArbiterActor>();
    private const int SIGUSR1 = 10, SIGKILL = 9;
    private readonly ArbiterOptions _options;
    private readonly Dictionary<int, IActorRef> _processes = new();
    private readonly Dictionary<int, int> _deadPidBySlot = new();
    // Slots in the order they were started; the oldest is retired first (as Gunicorn's TTOU does).
    private readonly List<SlotRef> _slots = [];
    // A new slot's number → the slot it replaces once it serves, and why (recycling).
    private readonly Dictionary<int, (SlotRef Old, string Why)> _replacing = new();
    private readonly HashSet<IActorRef> _retiring = [];
    // Slots of abandoned reloads: their workers' failures were the reason, not news.
    private readonly HashSet<int> _abandoned = [];
    private WorkerPlan _plan;
    private Rollout? _rollout;
    private bool _reloadQueued, _ready;
    // Each slot's current process: its PID, when it was started, when it began to serve.
    private readonly Dictionary<int, (int Pid, DateTime Spawned, DateTime? Booted)> _running = new();
    private readonly ServerStats _stats = new();
    private int _desired, _lastSlot, _lastGeneration;
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
        _plan = options.Plan;
        _lastGeneration = _plan.Generation;
        _desired = _plan.Workers;
        Receive<WorkerSpawned>(OnSpawned);
        Receive<Register>(OnRegister);
        Receive<WorkerBooted>(OnBooted);
        Receive<RecycleWorker>(OnRecycle);
        Receive<WorkerExited>(OnExited);
        Receive<WorkerBootFailed>(OnBootFailed);
        Receive<ScaleWorkers>(OnScale);
        Receive<KillWorker>(OnKill);
        Receive<WorkerReported>(m =>
        {
            _stats.Record(m);
            PublishStats();
        });
        Receive<GetSnapshot>(_ => Sender.Tell(Snapshot()));
        Receive<Reload>(OnReload);
        Receive<UpgradeBinary>(_ => OnUpgrade());
        Receive<ReopenLogs>(_ =>
        {
            // Gunicorn's USR1: the Arbiter reopens its files and passes the signal on to every worker.
            try
            {
                _options.ReopenLogs();
                Log.Information("Handling signal: USR1: reopened log files; telling {Count} workers", _processes.Count);
            }
            catch (IOException e)
            {
                Log.Error("Cannot reopen log files: {Error}", e.Message);
            }
            foreach (var process in _processes.Values) process.Tell(new SignalWorker(SIGUSR1));
        });
        Receive<RetireAllWorkers>(_ =>
        {
            if (_exitCode is not null) return;
            AbandonRollout("WINCH retires every worker");
            SetDesired(0);
            foreach (var slot in ActiveSlots().ToList()) Retire(slot, "WINCH");
            Log.Information("Number of workers: 0 (WINCH); the Arbiter keeps running");
        });
        Receive<Shutdown>(m => BeginStop(m.Graceful, m.Reason, 0));
        Receive<ShutdownDeadlinePassed>(_ =>
        {
            foreach (var slot in _slots) Context.Stop(slot.Supervisor);
        });
        Receive<StopSlotIfAlive>(m => Context.Stop(m.Slot));
        Receive<Terminated>(t =>
        {
            foreach (var gone in _slots.Where(s => s.Supervisor.Equals(t.ActorRef))) _abandoned.Remove(gone.Number);
            _slots.RemoveAll(s => s.Supervisor.Equals(t.ActorRef));
            _retiring.Remove(t.ActorRef);
            if (_exitCode is { } code && _slots.Count == 0) Finish(code);
        });
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        Hooks.Describe(_desired, _plan.Generation);
        Hooks.NWorkersChanged(_desired, null);
        _options.WorkerCountChanged(_desired);
        for (int i = 0; i < _desired; i++) StartSlot(_plan);
    }

    private ArbiterHooks Hooks => _options.Hooks;

    /// <summary>Sets the wanted number of workers and tells the hooks when it changed.</summary>
    private void SetDesired(int desired)
    {
        int old = _desired;
        _desired = desired;
        Hooks.Describe(_desired, _plan.Generation);
        if (old == desired) return;
        Hooks.NWorkersChanged(desired, old);
        _options.WorkerCountChanged(desired);
    }

    private IEnumerable<SlotRef> ActiveSlots() => _slots.Where(s => !_retiring.Contains(s.Supervisor));

    private int StartSlot(WorkerPlan plan)
    {
        int number = ++_lastSlot;
        int entry = Enumerable.Range(0, int.MaxValue).First(e => _slots.All(s => s.Entry != e));
        var slot = new SlotRef(number, plan.Generation, entry);
        var worker = WorkerProcess.Props(slot, plan, _options.Launcher, Self, Hooks);
        var backoff = Backoff.OnFailure(worker, "process", _options.MinBackoff, _options.MaxBackoff, 0.2, -1)
            .WithAutoReset(TimeSpan.FromSeconds(30))
            .WithSupervisorStrategy(new OneForOneStrategy(e => e is WorkerCrashedException ? Directive.Restart : Directive.Escalate));
        var supervisor = Context.ActorOf(BackoffSupervisor.Props(backoff), $"slot-{number}");
        Context.Watch(supervisor);
        _slots.Add(slot with { Supervisor = supervisor });
        return number;
    }

    /// <summary>Retires a slot gracefully; its back-off supervisor passes the command to the worker process.</summary>
    private void Retire(SlotRef slot, string reason)
    {
        var supervisor = slot.Supervisor;
        _retiring.Add(supervisor);
        supervisor.Tell(new RetireWorker(reason, Graceful: true, _plan.GracefulTimeout));
        // A slot waiting out a back-off has no process to retire; stop it at the deadline either way.
        Timers.StartSingleTimer($"retire-{supervisor.Path.Name}", new StopSlotIfAlive(supervisor), _plan.GracefulTimeout + TimeSpan.FromSeconds(3));
    }

    private void OnSpawned(WorkerSpawned m)
    {
        _processes[m.Pid] = Sender;
        _running[m.Slot] = (m.Pid, DateTime.UtcNow, null);
        if (_deadPidBySlot.Remove(m.Slot, out var dead)) Log.Information("Booting worker with pid: {Pid} (replacing pid {Dead})", m.Pid, dead);
        else Log.Information("Booting worker with pid: {Pid}", m.Pid);
        if (_exitCode is not null) Sender.Tell(new RetireWorker("shutting down", Graceful: false, TimeSpan.Zero));
    }

    private void OnRegister(Register m)
    {
        // The claimed process checks the token: only the worker it started holds it.
        if (_processes.TryGetValue(m.Pid, out var process))
        {
            process.Forward(m);
            return;
        }
        Refused.Write("register", Serilog.Events.LogEventLevel.Warning, null,
            "Refused a registration from {Path} (pid {Pid}): not a worker of this Arbiter", Sender.Path, m.Pid);
        Sender.Tell(new Rejected(m.Token, "unknown worker"));
    }

    /// <summary>Protocol messages that fail authentication: logged a few at a time, whoever floods them.</summary>
    internal static readonly Workers.Logging.LogThrottle Refused = new(5, TimeSpan.FromMinutes(1));

    private void OnBooted(WorkerBooted m)
    {
        Context.System.EventStream.Publish(m);
        if (_exitCode is not null) return;
        if (_running.TryGetValue(m.Slot, out var running)) _running[m.Slot] = running with { Booted = DateTime.UtcNow };
        if (!_ready && _running.Values.Count(r => r.Booted is not null) >= _desired)
        {
            _ready = true;
            _options.Notify("READY=1");
            Hooks.WhenReady();
        }
        if (_replacing.Remove(m.Slot, out var replaced))
        {
            Log.Information("Worker (pid:{Pid}) serves; retiring the worker it replaces", m.Pid);
            Retire(replaced.Old, replaced.Why);
        }
        if (_rollout is { } rollout && rollout.IsBooting(m.Slot))
        {
            rollout.OnBooted(m.Slot);
            if (rollout.IsComplete) CompleteRollout(rollout);
        }
    }

    private void OnRecycle(RecycleWorker m)
    {
        if (_exitCode is not null || !_processes.TryGetValue(m.Pid, out var process)) return;
        // The process actor's parent is its slot's back-off supervisor.
        var slot = _slots.FirstOrDefault(s => s.Supervisor.Path.Equals(process.Path.Parent));
        if (slot is null || _replacing.Values.Any(r => r.Old == slot) || _retiring.Contains(slot.Supervisor)) return;
        Log.Information("Worker (pid:{Pid}) {Why}: starting its replacement", m.Pid, m.Reason);
        var plan = _rollout?.Plan is { } next && next.Generation == slot.Generation ? next : _plan;
        _replacing[StartSlot(plan)] = (slot, m.Reason);
    }

    private void OnScale(ScaleWorkers m)
    {
        if (_exitCode is not null) return;
        if (_rollout is not null)
        {
            Log.Warning("{Signal} ignored: a reload is in progress", m.Delta > 0 ? "TTIN" : "TTOU");
            Sender.Tell(new ScaleAnswer([], [], "a reload is in progress"));
            return;
        }
        var started = new List<int>();
        var retired = new List<(int, int?)>();
        if (m.Delta > 0 && _desired + m.Delta > _plan.MaxWorkers)
        {
            Log.Warning("{Signal} refused: {Count} workers would exceed max_workers ({Max})", m.Delta == 1 ? "TTIN" : $"adding {m.Delta} workers",
                _desired + m.Delta, _plan.MaxWorkers);
            Sender.Tell(new ScaleAnswer([], [], $"{_desired + m.Delta} workers would exceed max_workers ({_plan.MaxWorkers})"));
            return;
        }
        if (m.Delta > 0)
        {
            SetDesired(_desired + m.Delta);
            for (int i = 0; i < m.Delta; i++) started.Add(StartSlot(_plan));
        }
        else
        {
            var active = ActiveSlots().ToList();
            int remove = Math.Min(-m.Delta, active.Count - 1);
            if (remove <= 0)
            {
                Log.Warning("TTOU ignored: at least one worker must run");
                Sender.Tell(new ScaleAnswer([], [], "at least one worker must run"));
                return;
            }
            SetDesired(_desired - remove);
            foreach (var slot in active.Take(remove))
            {
                Retire(slot, "TTOU");
                retired.Add((slot.Number, _running.TryGetValue(slot.Number, out var process) ? process.Pid : null));
            }
        }
        Log.Information("Number of workers: {Desired}", _desired);
        Sender.Tell(new ScaleAnswer(started, retired, null));
    }

    private void OnReload(Reload m)
    {
        if (_exitCode is not null) return;
        if (_rollout is not null)
        {
            // Apply the latest configuration once this reload is done, rather than two generations at once.
            _reloadQueued = true;
            Log.Information("Reload ({Reason}) queued: a reload is in progress", m.Reason);
            Sender.Tell(new ReloadAnswer(null, "a reload is in progress; this one is queued after it"));
            return;
        }
        WorkerPlan plan;
        try
        {
            // Generations only count up, abandoned ones included, so that a log line names one generation only.
            plan = _options.Reload() with { Generation = _lastGeneration + 1 };
        }
        catch (Exception e)
        {
            Log.Error("Reload ({Reason}) refused, the running workers keep serving: {Error}", m.Reason, e.Message);
            Sender.Tell(new ReloadAnswer(null, e.Message));
            return;
        }
        if (!Hooks.OnReload())
        {
            Log.Error("Reload ({Reason}) refused by the on_reload hook, the running workers keep serving", m.Reason);
            Sender.Tell(new ReloadAnswer(null, "the on_reload hook failed"));
            return;
        }
        _lastGeneration = plan.Generation;
        var old = ActiveSlots().ToList();
        Log.Information("Reloading ({Reason}): generation {Generation}, {Workers} workers, {Strategy} strategy, replacing {Old}",
            m.Reason, plan.Generation, plan.Workers, plan.Strategy.ToString().ToLowerInvariant(), old.Count);
        _options.Notify("RELOADING=1");
        Sender.Tell(new ReloadAnswer(plan.Generation, null));
        _rollout = new Rollout(plan, old, StartSlot, slot => Retire(slot, "reload"));
        _rollout.Begin();
        if (_rollout.IsComplete) CompleteRollout(_rollout);
    }

    private void CompleteRollout(Rollout rollout)
    {
        _rollout = null;
        _plan = rollout.Plan;
        SetDesired(_plan.Workers);
        Log.Information("Reload complete: generation {Generation} serves with {Workers} workers", _plan.Generation, _plan.Workers);
        Context.System.EventStream.Publish(new ReloadFinished(_plan.Generation, true, $"generation {_plan.Generation} serves with {_plan.Workers} workers"));
        _options.Notify("READY=1");
        if (_reloadQueued)
        {
            _reloadQueued = false;
            Self.Tell(new Reload("queued HUP"));
        }
    }

    /// <summary>Abandons a reload: its new workers stop, and the old generation is brought back to strength.</summary>
    private void AbandonRollout(string why)
    {
        if (_rollout is not { } rollout) return;
        _rollout = null;
        _reloadQueued = false;
        foreach (var slot in _slots.Where(s => rollout.NewSlots.Contains(s.Number)).ToList())
        {
            _abandoned.Add(slot.Number);
            _retiring.Add(slot.Supervisor);
            Context.Stop(slot.Supervisor);
        }
        Log.Error("Reload to generation {Generation} abandoned ({Why}); generation {Old} keeps serving", rollout.Plan.Generation, why, _plan.Generation);
        Context.System.EventStream.Publish(new ReloadFinished(rollout.Plan.Generation, false, $"abandoned ({why}); generation {_plan.Generation} keeps serving"));
        _options.Notify("READY=1");
        int missing = _desired - ActiveSlots().Count(s => s.Generation == _plan.Generation);
        for (int i = 0; i < missing; i++) StartSlot(_plan);
    }

    private void OnUpgrade()
    {
        if (_exitCode is not null) return;
        try
        {
            int pid = _options.Upgrade();
            Log.Information("Upgrade (USR2): started a new Arbiter (pid {Pid}) on the same sockets; once it serves, send WINCH and then TERM to this one (pid {Self})",
                pid, Environment.ProcessId);
        }
        catch (Exception e)
        {
            Log.Error("Upgrade (USR2) refused: {Error}", e.Message);
        }
    }

    private void OnKill(KillWorker m)
    {
        if (_exitCode is not null || !_processes.TryGetValue(m.Pid, out var process))
        {
            Sender.Tell(new KillAnswer(null));
            return;
        }
        Log.Warning("Killing worker (pid:{Pid}) on request; its slot replaces it", m.Pid);
        process.Tell(new SignalWorker(SIGKILL));
        Sender.Tell(new KillAnswer(_running.FirstOrDefault(kv => kv.Value.Pid == m.Pid).Key));
    }

    private ServerSnapshot Snapshot()
    {
        var rows = _stats.Live.Values
            .Select(r => new WorkerRow(r.Heartbeat.Pid, r.Slot, r.Generation, r.Started, r.Booted, r.Heartbeat.Served, r.Heartbeat.InFlight,
                r.Heartbeat.Connections, r.Heartbeat.ResidentBytes, r.At))
            .ToList();
        // Workers not heard from yet (booting) are listed too, without figures.
        foreach (var (slot, (pid, spawned, booted)) in _running)
        {
            if (_stats.Live.ContainsKey(pid) || !_processes.ContainsKey(pid)) continue;
            rows.Add(new WorkerRow(pid, slot, _slots.FirstOrDefault(s => s.Number == slot)?.Generation ?? _plan.Generation,
                spawned, booted, 0, 0, 0, 0, null));
        }
        return new ServerSnapshot(Environment.ProcessId, _desired, _plan.Generation, rows.OrderBy(r => r.Age).ToList(), _stats.Snapshot(),
            _options.Listeners, _plan.Configuration.Length > 0 ? _plan.Configuration : _options.Configuration);
    }

    /// <summary>Hands the fleet-wide figures to the metrics endpoint, when there is one.</summary>
    private void PublishStats() => _options.Fleet?.Update(_stats.Snapshot(), _stats.LatencyCounts());

    private void OnExited(WorkerExited m)
    {
        Context.System.EventStream.Publish(m);
        _processes.Remove(m.Pid);
        if (_running.TryGetValue(m.Slot, out var known) && known.Pid == m.Pid) _running.Remove(m.Slot);
        _stats.Exited(m.Pid, m.Served);
        PublishStats();
        int generation = _slots.FirstOrDefault(s => s.Number == m.Slot)?.Generation ?? _plan.Generation;
        Hooks.ChildExit(new WorkerInfo(m.Pid, Environment.ProcessId, generation, m.Slot) { Exit = m.How });
        if (m.Expected || _abandoned.Contains(m.Slot))
        {
            Log.Information("Worker exiting (pid: {Pid}): {How}, having served {Served} requests", m.Pid, m.How, m.Served);
            return;
        }
        Log.Error("Worker (pid:{Pid}) {How}, having served about {Served} requests", m.Pid, m.How, m.Served);
        _deadPidBySlot[m.Slot] = m.Pid;
        if (_rollout?.IsBooting(m.Slot) == true) AbandonRollout($"worker (pid:{m.Pid}) {m.How} before it served");
    }

    private void OnBootFailed(WorkerBootFailed m)
    {
        _processes.Remove(m.Pid);
        bool appLoad = m.ExitCode == WorkerEnvironment.AppLoadErrorExitCode;
        if (_abandoned.Contains(m.Slot)) return;
        if (_rollout?.IsBooting(m.Slot) == true)
        {
            AbandonRollout(appLoad ? $"the app failed to load in worker (pid:{m.Pid})" : $"worker (pid:{m.Pid}) failed to boot");
            return;
        }
        Log.Error(appLoad ? "App failed to load in worker (pid:{Pid}); shutting down" : "Worker (pid:{Pid}) failed to boot; shutting down", m.Pid);
        BeginStop(graceful: false, "a worker could not boot", m.ExitCode);
    }

    private void BeginStop(bool graceful, string reason, int exitCode)
    {
        if (_exitCode is not null) return;
        _exitCode = exitCode;
        Log.Information("{Kind}: {Reason}", graceful ? "Graceful stop" : "Quick stop", reason);
        _options.Notify("STOPPING=1");
        if (_slots.Count == 0) { Finish(exitCode); return; }
        var timeout = graceful ? _plan.GracefulTimeout : TimeSpan.Zero;
        foreach (var slot in _slots) slot.Supervisor.Tell(new RetireWorker(reason, graceful, timeout, SweepBacklog: true));
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
