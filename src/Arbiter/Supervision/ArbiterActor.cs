using Akka.Actor;
using Akka.Pattern;
using AkkaGunicorn.Arbiter.Control;
using AkkaGunicorn.Arbiter.Hooks;
using AkkaGunicorn.Arbiter.Pool;
using AkkaGunicorn.Http.Hooks;
using AkkaGunicorn.Workers.Hosting;
using AkkaGunicorn.Workers.Protocol;

namespace AkkaGunicorn.Arbiter.Supervision;

/// <summary>
/// The master. Its <see cref="WorkerPool"/> decides what runs; this actor carries the decisions out and feeds the
/// pool what happens. Each slot is a back-off supervisor over one <see cref="WorkerProcess"/>, so that a crashed worker
/// is replaced by supervision and a crash loop slows down instead of spinning. Three states:
/// <list type="bullet">
/// <item><b>Running</b>: scales on TTIN/TTOU, recycles, starts a reload on HUP; a worker that cannot boot stops the server.</item>
/// <item><b>Reloading</b>: a new generation takes over; scaling is refused, a second HUP is queued, and a new worker
/// that fails before it serves abandons the reload (the old generation keeps serving).</item>
/// <item><b>Stopping</b>: every worker is retired (gracefully or not); the actor stops once every slot has ended.</item>
/// </list>
/// Registrations are authenticated by the slot that owns the PID; heartbeats go to the <see cref="StatsActor"/>.
/// </summary>
public sealed class ArbiterActor : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private static readonly Serilog.ILogger Log = Serilog.Log.ForContext<ArbiterActor>();
    private const int SIGUSR1 = 10, SIGKILL = 9;
    private readonly ArbiterOptions _options;
    private readonly WorkerPool _pool;
    // Each slot's back-off supervisor, by slot number.
    private readonly Dictionary<int, IActorRef> _supervisors = new();
    private readonly IActorRef _stats;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    private sealed record ShutdownDeadlinePassed;

    private sealed record StopSlotIfAlive(int Slot);

    /// <summary>Props for the Arbiter.</summary>
    public static Props Props(ArbiterOptions options) => Akka.Actor.Props.Create(() => new ArbiterActor(options));

    /// <summary>Creates the Arbiter; use <see cref="Props"/>.</summary>
    public ArbiterActor(ArbiterOptions options)
    {
        _options = options;
        _pool = new WorkerPool(options.Plan);
        _stats = Context.ActorOf(StatsActor.Props(options.Fleet), "stats");
        Running();
    }

    /// <summary>
    /// A slot's failure is its own: a worker crash restarts the process under back-off, and so does a bug in the
    /// slot's actor, so that neither restarts the other slots nor spins.
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(e =>
    {
        Log.Error(e, "A slot supervisor failed; restarting that slot");
        return Directive.Restart;
    });

    /// <inheritdoc />
    protected override void PreStart()
    {
        Hooks.Describe(_pool.Desired, _pool.Plan.Generation);
        Hooks.NWorkersChanged(_pool.Desired, null);
        _options.WorkerCountChanged(_pool.Desired);
        Apply(_pool.Reconcile());
    }

    private ArbiterHooks Hooks => _options.Hooks;

    private void Running()
    {
        Receive<ScaleWorkers>(OnScale);
        Receive<Reload>(m => BeginReload(m.Reason));
        Receive<DrainServer>(OnDrain);
        Receive<UndrainServer>(_ => Sender.Tell(new ScaleAnswer([], [], "the server is not drained")));
        Serving();
    }

    private void OnDrain(DrainServer m)
    {
        if (_options.PauseListeners is not { } pause)
        {
            Sender.Tell(new ScaleAnswer([], [], "cannot drain with reuse_port: each worker listens on a socket of its own"));
            return;
        }
        int workers = _pool.Desired;
        var retired = _pool.Slots.Select(s => (s.Number, s.Pid)).ToList();
        // The workers are told first (each stops accepting and closes its keep-alive connections as it answers),
        // then the sockets stop listening, so clients arriving now are refused rather than queued for nobody.
        _pool.RetireAll();
        Apply(_pool.Reconcile());
        pause();
        Log.Information("Drained ({Reason}): connections refused; {Count} workers finishing their requests", m.Reason, retired.Count);
        Sender.Tell(new ScaleAnswer([], retired, null));
        Become(() => Drained(workers));
    }

    /// <summary>Drained: no workers, listeners refusing; scaling and reloads wait for an undrain, which restores <paramref name="workers"/>.</summary>
    private void Drained(int workers)
    {
        const string drained = "the server is drained; undrain it first";
        Receive<ScaleWorkers>(_ => Sender.Tell(new ScaleAnswer([], [], drained)));
        Receive<Reload>(_ => Sender.Tell(new ReloadAnswer(null, drained)));
        Receive<DrainServer>(_ => Sender.Tell(new ScaleAnswer([], [], "the server is drained already")));
        Receive<RetireAllWorkers>(_ => { });
        Receive<UpgradeBinary>(_ => Log.Warning("USR2 ignored: {Why}", drained));
        Receive<UndrainServer>(_ =>
        {
            _options.ResumeListeners();
            _pool.ScaleBy(workers);
            var decision = _pool.Reconcile();
            Apply(decision);
            Log.Information("Undrained: accepting again; number of workers: {Desired}", _pool.Desired);
            Sender.Tell(new ScaleAnswer(decision.Start.Select(s => s.Slot.Number).ToList(), [], null));
            Become(Running);
        });
        Serving();
    }

    private void Reloading(bool queued)
    {
        Receive<ScaleWorkers>(m =>
        {
            Log.Warning("{Signal} ignored: a reload is in progress", m.Delta > 0 ? "TTIN" : "TTOU");
            Sender.Tell(new ScaleAnswer([], [], "a reload is in progress"));
        });
        Receive<Reload>(m =>
        {
            // Apply the latest configuration once this reload is done, rather than two generations at once.
            Log.Information("Reload ({Reason}) queued: a reload is in progress", m.Reason);
            Sender.Tell(new ReloadAnswer(null, "a reload is in progress; this one is queued after it"));
            if (!queued) Become(() => Reloading(queued: true));
        });
        Receive<WorkerBootFailed>(m => _pool.IsBootingNew(m.Slot), m =>
        {
            Exited(m.Slot, m.Pid, crashed: true);
            Abandon(m.ExitCode == WorkerExit.AppLoadError
                ? $"the app failed to load in worker (pid:{m.Pid})"
                : $"worker (pid:{m.Pid}) failed to boot");
            Apply(_pool.Reconcile());
        });
        Receive<WorkerExited>(m => !m.Expected && _pool.IsBootingNew(m.Slot), m =>
        {
            OnExited(m);
            Abandon($"worker (pid:{m.Pid}) {m.How} before it served");
            Apply(_pool.Reconcile());
        });
        Receive<ReloadCompleted>(m =>
        {
            Become(Running);
            if (queued) Self.Tell(new Reload("queued HUP"));
        });
        Serving();
    }

    /// <summary>What Running and Reloading share: the workers' lifecycle, the signals that do not depend on the state.</summary>
    private void Serving()
    {
        Receive<WorkerSpawned>(m =>
        {
            var crashed = _pool[m.Slot]?.CrashedPid;
            _pool.Spawned(m.Slot, m.Pid, DateTime.UtcNow);
            if (crashed is { } dead) Log.Information("Booting worker with pid: {Pid} (replacing pid {Dead})", m.Pid, dead);
            else Log.Information("Booting worker with pid: {Pid}", m.Pid);
        });
        Receive<Register>(OnRegister);
        Receive<WorkerBootFailed>(m =>
        {
            // Outside a reload, a worker that cannot boot (the app does not load) will not boot on a retry either.
            Exited(m.Slot, m.Pid, crashed: true);
            if (_pool[m.Slot] is { Phase: SlotPhase.Abandoned }) return;
            bool appLoad = m.ExitCode == WorkerExit.AppLoadError;
            Log.Error(appLoad ? "App failed to load in worker (pid:{Pid}); shutting down" : "Worker (pid:{Pid}) failed to boot; shutting down", m.Pid);
            var stop = new Shutdown(Graceful: false, "a worker could not boot", m.ExitCode);
            if (_options.RequestStop is { } request) request(stop);
            else BeginStop(stop);
        });
        Receive<WorkerBooted>(m =>
        {
            Context.System.EventStream.Publish(m);
            _pool.Served(m.Slot, DateTime.UtcNow);
            Apply(_pool.Reconcile());
        });
        Receive<RecycleWorker>(m =>
        {
            if (_pool[m.Slot] is not { IsLive: true, RecycleReason: null } slot) return;
            Log.Information("Worker (pid:{Pid}) {Why}: starting its replacement", slot.Pid, m.Reason);
            _pool.RecycleWanted(m.Slot, m.Reason);
            Apply(_pool.Reconcile());
        });
        Receive<WorkerExited>(m =>
        {
            OnExited(m);
            Apply(_pool.Reconcile());
        });
        Receive<KillWorker>(m =>
        {
            if (_pool.SlotOfPid(m.Pid) is not { } slot)
            {
                Sender.Tell(new KillAnswer(null));
                return;
            }
            Log.Warning("Killing worker (pid:{Pid}) on request; its slot replaces it", m.Pid);
            _supervisors[slot.Number].Tell(new SignalWorker(SIGKILL));
            Sender.Tell(new KillAnswer(slot.Number));
        });
        Receive<ReopenLogs>(_ =>
        {
            // Gunicorn's USR1: the Arbiter reopens its files and passes the signal on to every worker.
            try
            {
                _options.ReopenLogs();
                Log.Information("Handling signal: USR1: reopened log files; telling {Count} workers", _supervisors.Count);
            }
            catch (IOException e)
            {
                Log.Error("Cannot reopen log files: {Error}", e.Message);
            }
            foreach (var supervisor in _supervisors.Values) supervisor.Tell(new SignalWorker(SIGUSR1));
        });
        Receive<RetireAllWorkers>(_ =>
        {
            if (_pool.Rollout is not null) Abandon("WINCH retires every worker");
            _pool.RetireAll();
            Apply(_pool.Reconcile());
            Log.Information("Number of workers: 0 (WINCH); the Arbiter keeps running");
            Become(Running);
        });
        Receive<UpgradeBinary>(_ => OnUpgrade());
        Receive<Shutdown>(BeginStop);
        Receive<StopSlotIfAlive>(m =>
        {
            if (_supervisors.TryGetValue(m.Slot, out var supervisor)) Context.Stop(supervisor);
        });
        Receive<Terminated>(t =>
        {
            Ended(t.ActorRef);
            Apply(_pool.Reconcile());
        });
        Receive<GetSnapshot>(_ => Snapshot());
    }

    private void Stopping(int exitCode, RetireWorker retire)
    {
        Receive<WorkerSpawned>(m =>
        {
            _pool.Spawned(m.Slot, m.Pid, DateTime.UtcNow);
            // As gracefully as the others: a worker the launcher started before this actor did (the first ones) may
            // be serving already.
            Sender.Tell(retire);
        });
        Receive<Register>(OnRegister);
        Receive<WorkerBooted>(m => Context.System.EventStream.Publish(m));
        Receive<WorkerExited>(OnExited);
        Receive<WorkerBootFailed>(m => Exited(m.Slot, m.Pid, crashed: true));
        Receive<ShutdownDeadlinePassed>(_ =>
        {
            foreach (var supervisor in _supervisors.Values) Context.Stop(supervisor);
        });
        Receive<Terminated>(t =>
        {
            Ended(t.ActorRef);
            if (_supervisors.Count == 0) Finish(exitCode);
        });
        Receive<GetSnapshot>(_ => Snapshot());
        Receive<ScaleWorkers>(_ => Sender.Tell(new ScaleAnswer([], [], "the server is shutting down")));
        Receive<Reload>(_ => Sender.Tell(new ReloadAnswer(null, "the server is shutting down")));
        Receive<KillWorker>(_ => Sender.Tell(new KillAnswer(null)));
        // Everything else (signals, recycling, late timers) no longer matters.
        ReceiveAny(_ => { });
    }

    /// <summary>Carries out one reconcile step: starts and retires slots, and tells hooks and the service manager.</summary>
    private void Apply(PoolDecision decision)
    {
        foreach (var start in decision.Start) StartSlot(start);
        foreach (var retirement in decision.Retire) Retire(retirement);
        if (decision.PreviousDesired is { } previous)
        {
            Hooks.Describe(_pool.Desired, _pool.Plan.Generation);
            Hooks.NWorkersChanged(_pool.Desired, previous);
            _options.WorkerCountChanged(_pool.Desired);
        }
        if (decision.BecameReady)
        {
            Ready();
            Hooks.WhenReady();
        }
        if (decision.Completed is { } plan)
        {
            Log.Information("Reload complete: generation {Generation} serves with {Workers} workers", plan.Generation, plan.Workers);
            Hooks.Describe(_pool.Desired, plan.Generation);
            Context.System.EventStream.Publish(new ReloadFinished(plan.Generation, true, $"generation {plan.Generation} serves with {plan.Workers} workers"));
            Ready();
            Self.Tell(new ReloadCompleted(plan.Generation));
        }
    }

    private void Ready()
    {
        _options.Notify("READY=1");
        _options.Settled();
    }

    /// <summary>Internal: the reload has completed; the Reloading state hands back to Running (and runs a queued HUP).</summary>
    private sealed record ReloadCompleted(int Generation);

    private void StartSlot(SlotStart start)
    {
        var worker = WorkerProcess.Props(start.Slot, start.Plan, _options.Launcher, Self, _stats, Hooks);
        var backoff = Backoff.OnFailure(worker, "process", _options.MinBackoff, _options.MaxBackoff, 0.2, -1)
            .WithAutoReset(TimeSpan.FromSeconds(30))
            .WithSupervisorStrategy(new OneForOneStrategy(e =>
            {
                if (e is not WorkerCrashedException) Log.Error(e, "The worker process actor of slot {Slot} failed; restarting it", start.Slot.Number);
                return Directive.Restart;
            }));
        var supervisor = Context.ActorOf(BackoffSupervisor.Props(backoff), $"slot-{start.Slot.Number}");
        Context.Watch(supervisor);
        _supervisors[start.Slot.Number] = supervisor;
    }

    /// <summary>Retires a slot gracefully; its back-off supervisor passes the command to the worker process.</summary>
    private void Retire(SlotRetirement retirement)
    {
        if (!_supervisors.TryGetValue(retirement.Slot.Number, out var supervisor)) return;
        if (retirement.Slot.Pid is { } pid) Log.Information("Retiring worker (pid:{Pid}): {Reason}", pid, retirement.Reason);
        var timeout = _pool.PlanOf(retirement.Slot.Generation).GracefulTimeout;
        supervisor.Tell(new RetireWorker(retirement.Reason, Graceful: true, timeout));
        // A slot waiting out a back-off has no process to retire; stop it at the deadline either way.
        Timers.StartSingleTimer($"retire-{retirement.Slot.Number}", new StopSlotIfAlive(retirement.Slot.Number), timeout + TimeSpan.FromSeconds(3));
    }

    private void OnRegister(Register m)
    {
        // The slot's process checks the token: only the worker it started holds it.
        if (_pool.SlotOfPid(m.Pid) is { } slot && _supervisors.TryGetValue(slot.Number, out var supervisor))
        {
            supervisor.Forward(m);
            return;
        }
        Refused.Write("register", Serilog.Events.LogEventLevel.Warning, null,
            "Refused a registration from {Path} (pid {Pid}): not a worker of this Arbiter", Sender.Path, m.Pid);
        Sender.Tell(new Rejected(m.Token, "unknown worker"));
    }

    /// <summary>Protocol messages that fail authentication: logged a few at a time, whoever floods them.</summary>
    internal static readonly Workers.Logging.LogThrottle Refused = new(5, TimeSpan.FromMinutes(1));

    private void OnScale(ScaleWorkers m)
    {
        if (_pool.ScaleBy(m.Delta) is { } refused)
        {
            // Gunicorn's words: a TTOU at one worker is ignored, a TTIN past the ceiling refused.
            Log.Warning(m.Delta > 0 ? "{Signal} refused: {Why}" : "{Signal} ignored: {Why}", m.Delta > 0 ? "TTIN" : "TTOU", refused);
            Sender.Tell(new ScaleAnswer([], [], refused));
            return;
        }
        var decision = _pool.Reconcile();
        Apply(decision);
        Log.Information("Number of workers: {Desired}", _pool.Desired);
        Sender.Tell(new ScaleAnswer(decision.Start.Select(s => s.Slot.Number).ToList(),
            decision.Retire.Select(r => (r.Slot.Number, r.Slot.Pid)).ToList(), null));
    }

    private void BeginReload(string reason)
    {
        WorkerPlan plan;
        try
        {
            plan = _options.Reload() with { Generation = _pool.NextGeneration };
        }
        catch (Exception e)
        {
            Log.Error("Reload ({Reason}) refused, the running workers keep serving: {Error}", reason, e.Message);
            Sender.Tell(new ReloadAnswer(null, e.Message));
            return;
        }
        // The on_reload hook decides; until it has, the rest waits (as Gunicorn's loop waits for it).
        var replyTo = Sender;
        Hooks.OnReload().PipeTo(Self, success: ok => new ReloadHookRan(plan, reason, ok, replyTo));
        Become(AwaitingReloadHook);
    }

    /// <summary>Internal: the on_reload hook has run; <paramref name="Ok"/> is false when it threw.</summary>
    private sealed record ReloadHookRan(WorkerPlan Plan, string Reason, bool Ok, IActorRef ReplyTo);

    private void AwaitingReloadHook()
    {
        Receive<ReloadHookRan>(m =>
        {
            Stash.UnstashAll();
            if (m.Ok)
            {
                StartRollout(m.Plan, m.Reason, m.ReplyTo);
                return;
            }
            Log.Error("Reload ({Reason}) refused by the on_reload hook, the running workers keep serving", m.Reason);
            m.ReplyTo.Tell(new ReloadAnswer(null, "the on_reload hook failed"));
            Become(Running);
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void StartRollout(WorkerPlan plan, string reason, IActorRef replyTo)
    {
        int old = _pool.Slots.Count(s => s.IsLive);
        _pool.BeginReload(plan);
        Log.Information("Reloading ({Reason}): generation {Generation}, {Workers} workers, {Strategy} strategy, replacing {Old}",
            reason, plan.Generation, plan.Workers, plan.Strategy.ToString().ToLowerInvariant(), old);
        _options.Notify("RELOADING=1");
        replyTo.Tell(new ReloadAnswer(plan.Generation, null));
        Become(() => Reloading(queued: false));
        Apply(_pool.Reconcile());
    }

    /// <summary>
    /// Abandons the reload under way: its new workers stop at once, and the next reconcile step brings the old
    /// generation back to strength.
    /// </summary>
    private void Abandon(string why)
    {
        int generation = _pool.Rollout!.Plan.Generation;
        foreach (var slot in _pool.Abandon())
            if (_supervisors.TryGetValue(slot.Number, out var supervisor)) Context.Stop(supervisor);
        Log.Error("Reload to generation {Generation} abandoned ({Why}); generation {Old} keeps serving", generation, why, _pool.Plan.Generation);
        Context.System.EventStream.Publish(new ReloadFinished(generation, false, $"abandoned ({why}); generation {_pool.Plan.Generation} keeps serving"));
        Ready();
        Become(Running);
    }

    private void OnUpgrade()
    {
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

    /// <summary>Asks the stats actor to answer the sender with the slots and their figures.</summary>
    private void Snapshot()
    {
        var rows = _pool.Slots.Where(s => s.Pid is not null)
            .Select(s => new WorkerRow(s.Pid!.Value, s.Number, s.Generation, s.Spawned, s.Booted, 0, 0, 0, 0, null))
            .ToList();
        _stats.Forward(new ComposeSnapshot(_pool.Desired, _pool.Plan.Generation, rows, _options.Listeners,
            _pool.Plan.Configuration.Length > 0 ? _pool.Plan.Configuration : _options.Configuration));
    }

    private void OnExited(WorkerExited m)
    {
        Context.System.EventStream.Publish(m);
        var slot = _pool[m.Slot];
        Exited(m.Slot, m.Pid, crashed: !m.Expected);
        Hooks.ChildExit(new WorkerInfo(m.Pid, Environment.ProcessId, slot?.Generation ?? _pool.Plan.Generation, m.Slot) { Exit = m.How });
        if (m.Expected || slot is { Phase: SlotPhase.Abandoned })
            Log.Information("Worker exiting (pid: {Pid}): {How}, having served {Served} requests", m.Pid, m.How, m.Served);
        else
            Log.Error("Worker (pid:{Pid}) {How}, having served about {Served} requests", m.Pid, m.How, m.Served);
    }

    private void Exited(int slot, int pid, bool crashed) => _pool.Exited(slot, pid, crashed);

    private void Ended(IActorRef supervisor)
    {
        foreach (var (number, _) in _supervisors.Where(kv => kv.Value.Equals(supervisor)).ToList())
        {
            _supervisors.Remove(number);
            _pool.Ended(number);
        }
    }

    private void BeginStop(Shutdown stop)
    {
        var (graceful, reason, exitCode) = (stop.Graceful, stop.Reason, stop.ExitCode);
        Log.Information("{Kind}: {Reason}", graceful ? "Graceful stop" : "Quick stop", reason);
        _options.Notify("STOPPING=1");
        var retire = new RetireWorker(reason, graceful, graceful ? _pool.Plan.GracefulTimeout : TimeSpan.Zero, SweepBacklog: true);
        Become(() => Stopping(exitCode, retire));
        if (_supervisors.Count == 0) { Finish(exitCode); return; }
        foreach (var supervisor in _supervisors.Values) supervisor.Tell(retire);
        // The listening socket dies with the last descriptor: let that be the last worker's, right after its
        // final sweep of the queue, so that nothing waits in a queue that nobody will accept from.
        _options.CloseListeners();
        // A slot waiting out a back-off has no process to retire: stop such slots at the deadline.
        Timers.StartSingleTimer("shutdown", new ShutdownDeadlinePassed(), retire.Timeout + TimeSpan.FromSeconds(3));
    }

    private void Finish(int exitCode)
    {
        Log.Information("Shutting down: Master");
        _options.Exit.TrySetResult(exitCode);
        Context.Stop(Self);
    }
}
