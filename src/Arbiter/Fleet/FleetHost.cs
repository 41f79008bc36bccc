using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Cluster;
using ClusterSettings = AkkaGunicorn.Arbiter.Settings.ClusterSettings;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.DistributedData;
using AkkaGunicorn.Arbiter.Control;
using AkkaGunicorn.Arbiter.Native;
using AkkaGunicorn.Arbiter.Settings;
using AkkaGunicorn.Workers.Hosting;
using Serilog;

namespace AkkaGunicorn.Arbiter.Fleet;

/// <summary>
/// This Arbiter's membership of the fleet: a second actor system, separate from the one that speaks to the workers
/// (which stays on its private per-run channel), that joins the cluster of Arbiters on <c>cluster.bind</c>. It hosts
/// the node's agent, the coordinator singleton and its proxy. A node the split brain resolver downs (the minority
/// side of a partition) loses that system; this starts a fresh one that joins again once the seeds answer, while the
/// Arbiter serves HTTP throughout.
/// </summary>
public sealed class FleetHost : IAsyncDisposable
{
    private static readonly TimeSpan CommandPatience = TimeSpan.FromHours(1), RejoinAfter = TimeSpan.FromSeconds(5), RetryBindEvery = TimeSpan.FromSeconds(1);
    private readonly ClusterSettings _settings;
    private readonly string _logLevel;
    private readonly FleetCredentials _credentials;
    private readonly NodeContext _node;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private volatile Membership? _current;
    private Task _watch = Task.CompletedTask;

    private sealed record Membership(ActorSystem System, IActorRef Coordinator);

    private FleetHost(ClusterSettings settings, string logLevel, FleetCredentials credentials, NodeContext node)
    {
        _settings = settings;
        _logLevel = logLevel;
        _credentials = credentials;
        _node = node;
    }

    /// <summary>
    /// Starts the cluster system and joins the seeds. Throws <see cref="ConfigException"/> when <c>cluster.bind</c>
    /// cannot be listened on, unless <paramref name="succeeding"/> (a USR2 successor, whose predecessor holds the port
    /// until it is retired and leaves): then this node joins as soon as the port is free.
    /// </summary>
    public static FleetHost Start(ClusterSettings settings, string logLevel, FleetCredentials credentials, NodeContext node, bool succeeding = false)
    {
        var host = new FleetHost(settings, logLevel, credentials, node);
        // Akka's transport reuses addresses, which on Linux means SO_REUSEPORT too: a second process of this user
        // would bind beside the first and take half its connections. So look before binding.
        if (TcpListeners.AnyOn(settings.Bind.Port))
        {
            if (!succeeding) throw new ConfigException("cluster.bind", settings.Bind.ToString(), "cannot listen: another process listens on that port");
            Log.Information("cluster.bind {Bind} is held by the Arbiter this one replaces; this node joins the fleet once that one has left", settings.Bind);
        }
        else
        {
            try
            {
                host._current = host.Join();
            }
            catch (Exception e) when (IsBindFailure(e))
            {
                throw new ConfigException("cluster.bind", settings.Bind.ToString(), $"cannot listen: {e.GetBaseException().Message}");
            }
        }
        Log.Information("Cluster node at {Address} (roles: {Roles}); seeds: {Seeds}", settings.Bind,
            settings.Roles.Count == 0 ? "none" : string.Join(", ", settings.Roles),
            settings.SeedNodes.Count == 0 ? "none, a fleet of its own" : string.Join(", ", settings.SeedNodes));
        host._watch = host.WatchAsync();
        return host;
    }

    private static bool IsBindFailure(Exception e) =>
        e is Akka.Remote.RemoteTransportException or System.Net.Sockets.SocketException or AggregateException;

    private Membership Join()
    {
        var config = ConfigurationFactory.ParseString(FleetConfig.For(_settings, _logLevel) + "\n" + TimerQueueScheduler.Config)
            .WithFallback(ClusterSingleton.DefaultConfig())
            .WithFallback(DistributedData.DefaultConfig());
        var system = ActorSystemStart.WithConfig(FleetConfig.SystemName, config, _credentials.TlsSetup());
        if (_settings.SeedNodes.Count == 0) Cluster.Get(system).Join(Cluster.Get(system).SelfAddress);
        system.ActorOf(NodeAgent.Props(_node), "node");
        system.ActorOf(ClusterSingletonManager.Props(FleetCoordinator.Props(TimeSpan.FromMinutes(10)), PoisonPill.Instance,
            ClusterSingletonManagerSettings.Create(system)), "coordinator");
        var proxy = system.ActorOf(ClusterSingletonProxy.Props("/user/coordinator", ClusterSingletonProxySettings.Create(system)), "coordinator-proxy");
        return new Membership(system, proxy);
    }

    /// <summary>
    /// Keeps this node in the fleet: starts a new cluster system whenever the current one ends other than by
    /// <see cref="DisposeAsync"/> (downed), and binds once a predecessor has freed the port.
    /// </summary>
    private async Task WatchAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            if (_current is { } membership)
            {
                await membership.System.WhenTerminated;
                if (_stopping.IsCancellationRequested) return;
                _current = null;
                Log.Warning("This node was removed from the fleet (downed by the split brain resolver); joining again in {Seconds} s", RejoinAfter.TotalSeconds);
                if (!await PauseAsync(RejoinAfter)) return;
            }
            try
            {
                if (TcpListeners.AnyOn(_settings.Bind.Port))
                {
                    if (!await PauseAsync(RetryBindEvery)) return;
                    continue;
                }
                lock (_gate)
                {
                    if (_stopping.IsCancellationRequested) return;
                    _current = Join();
                }
            }
            catch (Exception e)
            {
                if (!IsBindFailure(e)) Log.Warning("Joining the fleet failed: {Error}; trying again", e.GetBaseException().Message);
                if (!await PauseAsync(RetryBindEvery)) return;
            }
        }
    }

    private async Task<bool> PauseAsync(TimeSpan time)
    {
        try
        {
            await Task.Delay(time, _stopping.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Runs a <c>cluster</c> command or shows the fleet; the answer is the control socket's JSON.</summary>
    public async Task<JsonObject> RunAsync(ControlCommand command)
    {
        if (_current is not { } membership)
            return ControlActor.Error("this node is not in the fleet right now (it is joining again, or waiting for its cluster port); ask another node");
        var cluster = Cluster.Get(membership.System);
        var members = FleetMember.From(cluster.State);
        if (command.Verb == ControlVerb.ShowCluster)
        {
            var states = await StatesAsync(membership.System);
            return ControlActor.Ok(command.Argument == "stats" ? FleetView.Stats(members, states) : FleetView.Nodes(members, states));
        }
        if (cluster.SelfMember.Status != MemberStatus.Up)
            return ControlActor.Error($"this node is not up in the fleet (it is {cluster.SelfMember.Status.ToString().ToLowerInvariant()}); see 'show cluster'");
        // A node that cannot hear every member may be on the minority side of a partition: it sends nothing that the
        // coordinator could act on later, once the partition heals.
        if (members.FirstOrDefault(m => !m.Reachable) is { } silent)
            return ControlActor.Error($"node {silent.Node} is unreachable from this node; fleet commands wait until it answers or is downed (cluster.down_after)");
        IFleetMessage message = command.Verb switch
        {
            ControlVerb.ClusterReload => new RollingReload(command.Role, command.Parallel),
            ControlVerb.ClusterScale => new ScaleFleet(int.Parse(command.Argument), command.Role),
            ControlVerb.ClusterShutdown => new ShutdownFleet(command.Role),
            ControlVerb.ClusterDrain => new DrainFleetNode(command.Argument, Drain: true),
            ControlVerb.ClusterUndrain => new DrainFleetNode(command.Argument, Drain: false),
            _ => throw new ArgumentException($"{command.Verb} is not a cluster command"),
        };
        try
        {
            var asked = membership.Coordinator.Ask<FleetAnswered>(message, CommandPatience);
            if (await Task.WhenAny(asked, membership.System.WhenTerminated) != asked)
                return ControlActor.Error("this node left the fleet (downed) before the coordinator answered; see 'show cluster' on another node");
            return JsonNode.Parse((await asked).Json)!.AsObject();
        }
        catch (AskTimeoutException)
        {
            return ControlActor.Error($"the fleet coordinator did not answer within {CommandPatience.TotalMinutes:0} minutes");
        }
    }

    private static async Task<IReadOnlyDictionary<string, NodeState>> StatesAsync(ActorSystem system)
    {
        var read = await DistributedData.Get(system).Replicator.Ask<IGetResponse>(Dsl.Get(NodeAgent.StatesKey, ReadLocal.Instance), TimeSpan.FromSeconds(5));
        return read is GetSuccess success
            ? success.Get(NodeAgent.StatesKey).Entries.ToDictionary(kv => kv.Key, kv => kv.Value)
            : new Dictionary<string, NodeState>();
    }

    /// <summary>Leaves the fleet gracefully (the coordinator moves on if it was here) and stops the cluster system.</summary>
    public async ValueTask DisposeAsync()
    {
        ActorSystem? system;
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested) return;
            _stopping.Cancel();
            system = _current?.System;
        }
        if (system is not null)
        {
            Log.Information("Leaving the fleet");
            var left = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
            await Task.WhenAny(left, Task.Delay(TimeSpan.FromSeconds(15)));
            await Task.WhenAny(system.Terminate(), Task.Delay(TimeSpan.FromSeconds(5)));
        }
        await _watch;
        _stopping.Dispose();
    }
}
