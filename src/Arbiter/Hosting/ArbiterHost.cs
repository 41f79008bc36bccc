using Akka.Actor;
using Akka.Configuration;
using AkkaGunicorn.Arbiter.Control;
using AkkaGunicorn.Arbiter.Fleet;
using AkkaGunicorn.Arbiter.Hooks;
using AkkaGunicorn.Arbiter.Listeners;
using AkkaGunicorn.Arbiter.Native;
using AkkaGunicorn.Arbiter.Observability;
using AkkaGunicorn.Arbiter.Settings;
using AkkaGunicorn.Arbiter.Signals;
using AkkaGunicorn.Arbiter.Supervision;
using AkkaGunicorn.Workers.Apps;
using AkkaGunicorn.Workers.Hosting;
using AkkaGunicorn.Workers.Observability;
using AkkaGunicorn.Workers.Logging;
using AkkaGunicorn.Workers.Native;
using AkkaGunicorn.Workers.Protocol;
using AkkaGunicorn.Workers.Remoting;
using Serilog;

namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>Runs the Arbiter: an actor system whose Arbiter actor keeps the workers.</summary>
public static class ArbiterHost
{
    /// <summary>
    /// Serves until stopped and returns the exit code. The listeners are already bound; <paramref name="reread"/>
    /// re-reads and checks the configuration for a reload, throwing when it is not usable. <paramref name="succeeding"/>:
    /// this Arbiter was started by another's USR2, which still holds the fleet's port.
    /// </summary>
    public static async Task<int> RunAsync(ServerSettings settings, ListenerSet listeners, Func<ServerSettings> reread, BinaryUpgrade upgrade,
        WorkerIdentity? identity, ArbiterHooks hooks, StatsdClient? statsd, ControlEndpoint? controlEndpoint, FleetCredentials? fleetCredentials = null, bool succeeding = false)
    {
        using var meter = new System.Diagnostics.Metrics.Meter(ServerMetrics.MeterName);
        int workers = settings.Workers;
        meter.CreateObservableGauge("akkagunicorn.workers", () => Volatile.Read(ref workers), "{worker}", "Worker processes wanted.");
        // Before any worker starts: a signal from now on is the server's to handle, if only later (SignalBridge).
        using var signals = new SignalBridge();
        var systemd = SystemdNotifier.FromEnvironment();
        using var board = LoadBoardFile.Create();
        var (lifelineRead, lifelineWrite) = Libc.Pipe();
        Libc.ClearCloseOnExec(lifelineRead);
        var plan = PlanFor(settings);
        var arbiterPath = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var launcher = new ProcessLauncher(listeners.Inherited, arbiterPath.Task, lifelineRead, board, identity);
        var exit = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        FleetMetrics? fleet = null;
        var metricsAt = settings.MetricsBind?.EndPoint as System.Net.IPEndPoint;
        if (metricsAt is not null || settings.OtlpEndpoint is not null)
        {
            try
            {
                fleet = FleetMetrics.Start(metricsAt, settings.OtlpEndpoint, settings.ProcName);
                if (metricsAt is not null) Log.Information("Metrics at: http://{Address}/metrics", settings.MetricsBind!.Text);
                if (settings.OtlpEndpoint is { } otlp) Log.Information("Metrics pushed to: {Endpoint} (OTLP)", otlp);
            }
            catch (System.Net.HttpListenerException e)
            {
                Log.Error("setting 'metrics_bind' = '{Bind}': cannot listen: {Error}", settings.MetricsBind!.Text, e.Message);
                return 1;
            }
        }
        using var fleetScope = fleet;
        // The first workers start now, and this process starts its actor system and remoting once they serve (or after
        // two seconds): on two cores, starting it beside their boot put 0.15 s on the first answer. The Arbiter actor
        // then takes them into its first slots. Not when the app has hooks: pre_fork must run before each worker starts.
        if (!hooks.Any)
        {
            launcher.Prestart(plan, plan.Workers);
            await launcher.PrestartedServingAsync(board.Board, TimeSpan.FromSeconds(2));
        }

        // A later setting wins: the remoting defaults first, then the level loglevel asks for.
        var akkaConfig = ConfigurationFactory.ParseString($"""
            {PrivateRemoting.Config}
            akka.log-dead-letters = off
            {ServerShutdown.Config}
            {SerilogAkkaLogger.Config}
            {SerilogAkkaLogger.LevelConfig(settings.LogLevel)}
            """);
        // Disposing ends it (after the shutdown below has run its phases, at once), on every way out of this method.
        using var actorSystem = ActorSystemStart.WithConfig("arbiter", akkaConfig, PeerAdmission.ChildrenOf(Environment.ProcessId));
        Action<Shutdown> requestStop = stop => ServerShutdown.Request(actorSystem, stop);
        arbiterPath.SetResult($"{((ExtendedActorSystem)actorSystem).Provider.DefaultAddress}/user/arbiter");
        var options = new ArbiterOptions(plan, launcher, exit)
        {
            CloseListeners = listeners.CloseDescriptors,
            PauseListeners = settings.ReusePort ? null : listeners.Pause,
            ResumeListeners = () => listeners.Resume(settings.Backlog),
            Reload = () => PlanFor(reread()),
            Upgrade = upgrade.Start,
            Notify = systemd.Notify,
            // What the runtime freed after starting workers (the JIT's memory, once its background compiler has been
            // idle for some seconds) stays in the C library's heap until trimmed: 7 MB of an idle Arbiter's 79.
            Settled = () => Task.Delay(MemoryTrim.Settle).ContinueWith(_ => NativeHeap.Trim(), TaskScheduler.Default),
            RequestStop = requestStop,
            Hooks = hooks,
            Fleet = fleet,
            Listeners = listeners.Names,
            Configuration = SettingsLoader.ToHocon(settings),
            ReopenLogs = ServerLog.Reopen,
            WorkerCountChanged = count =>
            {
                Volatile.Write(ref workers, count);
                statsd?.Gauge("gunicorn.workers", count);
            },
        };
        var arbiterRef = actorSystem.ActorOf(ArbiterActor.Props(options), "arbiter");
        var controlRef = actorSystem.ActorOf(ControlActor.Props(arbiterRef, requestStop, clustered: settings.Cluster is not null), "control");
        // If the Arbiter actor itself dies (a bug), nothing would complete the exit code: stop with 70 (EX_SOFTWARE).
        var died = arbiterRef.WatchAsync();
        var stopped = Task.WhenAny(exit.Task, died);
        ControlServer? control = null;
        // Before anything can ask for a stop: the phases must know what to do.
        ServerShutdown.Register(actorSystem, arbiterRef, stopped, () => control?.DisposeAsync() ?? ValueTask.CompletedTask);
        signals.Connect(arbiterRef, requestStop);
        control = controlEndpoint is { } endpoint ? ControlServer.Start(endpoint.Path, controlRef, endpoint.Mode, endpoint.TakeOver) : null;
        await using var controlScope = control;
        FleetHost? fleetNode = null;
        if (settings.Cluster is { } cluster && fleetCredentials is not null)
        {
            try
            {
                fleetNode = FleetHost.Start(cluster, settings.LogLevel, fleetCredentials,
                    new NodeContext(arbiterRef, controlRef, AppSpec.Parse(settings.App, Environment.CurrentDirectory).AssemblyPath, cluster.Roles), succeeding);
                controlRef.Tell(new ControlActor.JoinedFleet(fleetNode.RunAsync));
            }
            catch (ConfigException e)
            {
                Log.Error("{Error}", e.Message);
                requestStop(new Shutdown(false, "the cluster transport cannot start", Program.ConfigErrorExitCode));
            }
        }
        using var watcher = settings.Reload
            ? new AppWatcher(Path.GetDirectoryName(AppSpec.Parse(settings.App, Environment.CurrentDirectory).AssemblyPath)!, settings.ReloadExtraFiles, arbiterRef)
            : null;
        await stopped;
        // The node stays in the fleet while its workers drain, and leaves once they are gone.
        if (fleetNode is not null) await fleetNode.DisposeAsync();
        // However the Arbiter stopped, the rest of the phases run (a stop asked for already runs them; this joins it).
        await CoordinatedShutdown.Get(actorSystem).Run(CoordinatedShutdown.UnknownReason.Instance);
        int code = exit.Task.IsCompleted ? exit.Task.Result : 70;
        GC.KeepAlive(lifelineWrite);
        Log.Information("Master exiting with code {Code}", code);
        return code;
    }

    /// <summary>The workers a configuration asks for.</summary>
    public static WorkerPlan PlanFor(ServerSettings settings) => new(settings.Workers, settings.GracefulTimeout)
    {
        Timeout = settings.Timeout,
        MaxWorkers = settings.MaxWorkers,
        Strategy = Enum.Parse<ReloadStrategy>(settings.ReloadStrategy, ignoreCase: true),
        Configuration = SettingsLoader.ToHocon(settings),
        Settings = settings.ForWorkers(),
        Runtime = WorkerRuntime.For(settings),
    };
}
