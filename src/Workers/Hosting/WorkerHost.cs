using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Configuration;
using Akka.Streams;
using AkkaGunicorn.AspNetCore.Hosting;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Http.Hooks;
using AkkaGunicorn.Workers.Apps;
using AkkaGunicorn.Workers.Balance;
using AkkaGunicorn.Workers.Logging;
using AkkaGunicorn.Workers.Observability;
using AkkaGunicorn.Workers.Protocol;
using AkkaGunicorn.Workers.Remoting;
using AkkaGunicorn.Workers.Serving;
using Serilog;

namespace AkkaGunicorn.Workers.Hosting;

/// <summary>Runs a worker process from boot to exit and returns its exit code.</summary>
public static class WorkerHost
{
    /// <summary>The worker's Akka configuration: private remoting, our logger, connection graphs on the thread pool.</summary>
    public static Config AkkaConfig => ConfigurationFactory.ParseString($$"""
        {{PrivateRemoting.Config}}
        akka.log-dead-letters = off
        akka.log-dead-letters-during-shutdown = off
        # Connection graphs run as actors on the default dispatcher: hand them straight to the .NET thread pool.
        akka.actor.default-dispatcher.executor = thread-pool-executor
        akka.actor.default-dispatcher.throughput = 64
        akka.stream.materializer.dispatcher = "akka.actor.default-dispatcher"
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        {{WorkerShutdown.Config}}
        {{SerilogAkkaLogger.Config}}
        """);

    /// <summary>Boots the worker, serves until told to stop or orphaned, and returns the exit code.</summary>
    public static async Task<int> RunAsync(WorkerOptions options, StatsdClient? statsd = null)
    {
        Lifeline.Watch(options.Boot.LifelineDescriptor, () =>
        {
            Log.Warning("The Arbiter is gone; exiting");
            Log.CloseAndFlush();
            Process.GetCurrentProcess().Kill();
        });
        Log.Information("Booting worker with pid: {Pid}", Environment.ProcessId);
        // The actor system (remoting) and the stream materializer take as long to start as a small app does: start
        // them beside the app, configuration parsing included.
        var level = options.Settings.Log.Level;
        var starting = Task.Run(() =>
        {
            var config = ConfigurationFactory.ParseString(SerilogAkkaLogger.LevelConfig(level)).WithFallback(AkkaConfig);
            var system = ActorSystemStart.WithConfig("worker", config, PeerAdmission.Parent());
            return (System: system, Materializer: system.Materializer());
        });
        var booted = false;
        try
        {
            return await BootAndServeAsync(options, statsd, starting, () => booted = true);
        }
        finally
        {
            if (!booted) await (await starting).System.Terminate().WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
        }
    }

    private static async Task<int> BootAndServeAsync(WorkerOptions options, StatsdClient? statsd, Task<(ActorSystem System, ActorMaterializer Materializer)> starting, Action booted)
    {
        Http.App.IHttpApp app;
        AspNetCoreHost? aspNet = null;
        var info = new WorkerInfo(Environment.ProcessId, options.Boot.ArbiterPid, options.Boot.Generation, options.Boot.Slot);
        WorkerHooks hooks;
        try
        {
            var assembly = AppLoader.Open(options.App, kind: options.Boot.AppKind);
            hooks = new WorkerHooks(assembly.CreateHooks(), info);
            if (!RunBootHook("post_fork", hooks.PostFork)) return WorkerExit.BootError;
            if (assembly.Kind == AppKind.AspNetCore)
            {
                aspNet = await AspNetCoreHost.StartAsync(new AspNetCoreHostOptions(options.App.AssemblyPath,
                    options.Boot.Listeners.Select(l => l.ServerAddress).ToList()));
                app = aspNet.App;
            }
            else
            {
                app = assembly.CreateApp();
            }
            if (!RunBootHook("post_worker_init", hooks.PostWorkerInit)) return WorkerExit.BootError;
            if (hooks.Hooks is { } serverHooks) app = new HookedApp(app, serverHooks, info);
        }
        catch (AppLoadException e)
        {
            Log.Error("{Message}", e.Message);
            return WorkerExit.AppLoadError;
        }
        catch (AppHostException e)
        {
            // Gunicorn's rule: an app that is not one is a load error; an app that fails while starting, a boot error.
            Log.Error(e.InnerException, "{Message}", e.Message);
            return e.Reason == AppHostError.ProgramFailed ? WorkerExit.BootError : WorkerExit.AppLoadError;
        }
        using var _ = hooks;
        hooks.HandleSignals();

        List<Socket> listeners;
        try
        {
            listeners = options.Boot.Listeners.Select(l => options.Settings.ReusePort ? l.AdoptOrListenOwn(options.Settings.Backlog) : l.Adopt()).ToList();
        }
        catch (Exception e)
        {
            Log.Error(e, "Could not adopt the listening sockets");
            return WorkerExit.BootError;
        }

        using var board = options.Boot.BoardDescriptor is { } boardFd ? LoadBoard.FromDescriptor(boardFd) : null;
        // A sibling silent for three heartbeats is stopped or wedged: stop leaving it its share.
        // With reuse_port the kernel balances, and a worker holding back would leave its own queue unserved.
        var share = board is null || options.Settings.ReusePort ? null : new FairShare(board, options.Boot.BoardEntry, 3 * options.Settings.HeartbeatInterval);
        var state = new ServerState();
        var stats = new ExchangeStats();
        using var metrics = new ServerMetrics(state);
        await using var accessLog = options.Settings.AccessLog is not null || options.AccessSyslog is not null
            ? new AccessLog(new AccessLogFormat(options.Settings.AccessLogFormat),
                options.Settings.AccessLog is { } target ? LineFile.Open(target, standardDescriptor: 1) : null, options.AccessSyslog)
            : null;
        var observers = new List<IExchangeObserver> { stats, metrics };
        if (accessLog is not null) observers.Add(accessLog);
        if (statsd is not null) observers.Add(new StatsdObserver(statsd));
        // ASP.NET Core's hosting makes each request's activity itself: a second one would only become its parent.
        options = options with { Http = options.Http with { Observer = new ExchangeObservers(observers), Tracing = aspNet is null } };
        // While the actor system is still starting (an app that boots quickly waits for it here): building and fusing the
        // connection graph needs no actor.
        var graph = new ConnectionGraph(app, options.Http, state);

        var (system, materializer) = await starting;
        booted();
        var exit = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var worker = system.ActorOf(WorkerActor.Props(options, graph, listeners, state, materializer, exit, share, stats), "worker");
        WorkerShutdown.Register(system, worker, exit.Task, async () =>
        {
            if (aspNet is not null) await StopAspNetCoreAsync(aspNet, options.Settings.GracefulTimeout);
            // Served connections may still linger on their way to closing: exiting would reset them, and their responses.
            await Sockets.LingeringCloses.WhenNoneAsync().WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
        });
        if (aspNet is not null)
        {
            // The app stopped its own host (StopApplication, a failed background service): drain, then let the host finish.
            aspNet.StopServing = async cancel =>
            {
                worker.Tell(new Drain(options.Boot.Secrets.Token, "the app stopped its host", (long)options.Settings.GracefulTimeout.TotalMilliseconds));
                await exit.Task.WaitAsync(cancel).ContinueWith(_ => { }, TaskScheduler.Default);
            };
        }
        using var reopen = PosixSignalRegistration.Create(SIGUSR1, context =>
        {
            // Gunicorn's worker reopens its logs on USR1, which its Arbiter passes on.
            context.Cancel = true;
            ReopenLogs(accessLog);
        });
        // TERM sent to a worker alone (an operator, a process manager) drains it as Gunicorn's workers do;
        // the Arbiter then replaces it. INT keeps .NET's default: exit at once.
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            worker.Tell(new Drain(options.Boot.Secrets.Token, "received TERM", (long)options.Settings.GracefulTimeout.TotalMilliseconds));
        });
        int code = await exit.Task;
        // A drain has run the phases up to here; any other end runs them now (from service-stop on, in effect).
        await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.UnknownReason.Instance);
        hooks.WorkerExit();
        Log.Information("Worker exiting (pid: {Pid})", Environment.ProcessId);
        return code;
    }

    /// <summary>Stops the app's host once the worker no longer serves, so its hosted services and the rest of its Program run.</summary>
    private static async Task StopAspNetCoreAsync(AspNetCoreHost host, TimeSpan timeout)
    {
        if (!await host.StopAsync(timeout))
            Log.Warning("The app's host did not stop within {Timeout}; exiting without it", timeout);
        else if (host.Exited.Exception?.GetBaseException() is { } failure)
            Log.Error(failure, "The app's Program threw while its host stopped");
    }

    private const PosixSignal SIGUSR1 = (PosixSignal)10;

    private static void ReopenLogs(AccessLog? accessLog)
    {
        try
        {
            ServerLog.Reopen();
            accessLog?.Reopen();
            Log.Information("Reopened log files");
        }
        catch (IOException e)
        {
            Log.Error("Cannot reopen log files: {Error}", e.Message);
        }
    }

    /// <summary>A boot hook that throws is a boot error, as in Gunicorn: logged, and the worker exits with code 3.</summary>
    private static bool RunBootHook(string name, Action hook)
    {
        try
        {
            hook();
            return true;
        }
        catch (Exception e)
        {
            Log.Error(e, "Exception in {Hook} hook; the worker cannot boot", name);
            return false;
        }
    }
}
