using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using AkkaGunicorn.Arbiter.Control;

namespace AkkaGunicorn.Arbiter.Fleet;

/// <summary>
/// This node's member of the fleet, at <c>/user/node</c> of the cluster system: it publishes the node's state (from
/// the Arbiter's snapshots) to the replicated fleet view, and carries out the coordinator's steps through the same
/// control commands an operator would run here, each step once.
/// </summary>
public sealed class NodeAgent : ReceiveActor, IWithTimers
{
    /// <summary>The replicated map of every node's state, by HOST:PORT.</summary>
    public static readonly LWWDictionaryKey<string, NodeState> StatesKey = new("fleet-nodes");

    private static readonly TimeSpan PublishEvery = TimeSpan.FromSeconds(1), RepublishAtLeast = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StepPatience = TimeSpan.FromMinutes(30);
    private readonly NodeContext _context;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _node;
    private readonly Dictionary<string, StepRan> _finished = new();
    private readonly Queue<string> _finishedOrder = new();
    private readonly Dictionary<string, List<IActorRef>> _running = new();
    private NodeState? _published;
    private (DateTime Written, long Length, string Hash) _appHash;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record Publish;

    /// <summary>Props for the agent of the Arbiter described by <paramref name="context"/>.</summary>
    public static Props Props(NodeContext context) => Akka.Actor.Props.Create(() => new NodeAgent(context));

    /// <summary>Creates the agent; use <see cref="Props"/>.</summary>
    public NodeAgent(NodeContext context)
    {
        _context = context;
        _node = FleetMember.NodeOf(_cluster.SelfAddress);
        Receive<Publish>(_ => _context.Arbiter.Tell(new GetSnapshot()));
        Receive<ServerSnapshot>(OnSnapshot);
        Receive<RunStep>(OnRunStep);
        Receive<StepRan>(OnStepRan);
        Receive<ClusterEvent.MemberUp>(e => _log.Info("Fleet: node {Node} is up", FleetMember.NodeOf(e.Member.Address)));
        Receive<ClusterEvent.UnreachableMember>(e => _log.Warning("Fleet: node {Node} is unreachable", FleetMember.NodeOf(e.Member.Address)));
        Receive<ClusterEvent.ReachableMember>(e => _log.Info("Fleet: node {Node} is reachable again", FleetMember.NodeOf(e.Member.Address)));
        Receive<ClusterEvent.MemberRemoved>(OnRemoved);
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<UpdateSuccess>(_ => { });
        Receive<IUpdateFailure>(_ => { });
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent),
            typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer("publish", new Publish(), TimeSpan.Zero, PublishEvery);
    }

    /// <inheritdoc />
    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void OnSnapshot(ServerSnapshot snapshot)
    {
        var workers = snapshot.Rows.Select(r => new NodeWorker(r.Pid, r.Generation, r.Requests, r.ResidentBytes, r.Booted is null ? "booting" : "serving")).ToList();
        int serving = workers.Count(w => w.State == "serving");
        var state = new NodeState(_node, _context.Roles, snapshot.ArbiterPid, snapshot.Generation, AppFingerprint(), ConfigFingerprint(snapshot.Configuration),
            snapshot.Workers, workers, snapshot.Stats.Requests, snapshot.Stats.Rate10s, snapshot.Stats.LatencyBuckets,
            snapshot.Workers == 0 ? "drained" : serving >= snapshot.Workers ? "ok" : "degraded", DateTime.UtcNow);
        // An idle node writes nothing new: only a change, or the occasional refresh that repairs a pruned entry, goes out.
        if (_published is { } last && Same(last, state) && state.At - last.At < RepublishAtLeast) return;
        _published = state;
        _replicator.Tell(Dsl.Update(StatesKey, LWWDictionary<string, NodeState>.Empty, WriteLocal.Instance,
            map => map.SetItem(_cluster, _node, state)));
    }

    private static bool Same(NodeState a, NodeState b) =>
        a.Generation == b.Generation && a.Requests == b.Requests && a.Workers == b.Workers && a.Health == b.Health && a.App == b.App
        && a.Config == b.Config && a.WorkerList.SequenceEqual(b.WorkerList);

    private void OnRemoved(ClusterEvent.MemberRemoved removed)
    {
        var node = FleetMember.NodeOf(removed.Member.Address);
        _log.Info("Fleet: node {Node} was removed ({Previous})", node, removed.PreviousStatus);
        // Gone nodes leave the view; one that comes back at the same address publishes again within seconds.
        if (node != _node)
            _replicator.Tell(Dsl.Update(StatesKey, LWWDictionary<string, NodeState>.Empty, WriteLocal.Instance, map => map.Remove(_cluster, node)));
    }

    private void OnRunStep(RunStep step)
    {
        if (_finished.TryGetValue(step.StepId, out var ran)) { Sender.Tell(ran); return; }
        if (_running.TryGetValue(step.StepId, out var waiting)) { waiting.Add(Sender); return; }
        _running[step.StepId] = [Sender];
        _log.Info("Fleet: step {Step}: {Action}", step.StepId, step.Action == NodeAction.Scale ? $"scale to {step.Count} workers" : step.Action.ToString().ToLowerInvariant());
        int generation = _published?.Generation ?? 0;
        Execute(step, generation).PipeTo(Self, failure: e => new StepRan(step.StepId, _node, false, e.Message, generation));
    }

    private async Task<StepRan> Execute(RunStep step, int generation)
    {
        StepRan From(JsonObject answer, string done) => answer["ok"]?.GetValue<bool>() == true
            ? new StepRan(step.StepId, _node, true, done, answer["reloaded"]?.GetValue<int>() ?? generation)
            : new StepRan(step.StepId, _node, false, answer["error"]?.ToString() ?? "failed", generation);
        Task<JsonObject> Run(ControlVerb verb, string argument = "") =>
            _context.Control.Ask<JsonObject>(new ControlActor.Run(new ControlCommand(verb, argument)), StepPatience);
        switch (step.Action)
        {
            case NodeAction.Reload:
                var reloaded = await Run(ControlVerb.Reload);
                return From(reloaded, reloaded["message"]?.ToString() ?? "reloaded");
            case NodeAction.Scale:
                var snapshot = await _context.Arbiter.Ask<ServerSnapshot>(new GetSnapshot(), TimeSpan.FromSeconds(30));
                int delta = step.Count - snapshot.Workers;
                if (delta == 0) return new StepRan(step.StepId, _node, true, $"already {step.Count} workers", snapshot.Generation);
                var scaled = await Run(delta > 0 ? ControlVerb.WorkerAdd : ControlVerb.WorkerRemove, Math.Abs(delta).ToString());
                return From(scaled, $"{snapshot.Workers} -> {step.Count} workers");
            case NodeAction.Shutdown:
                return From(await Run(ControlVerb.Shutdown, "graceful"), "shutting down gracefully");
            case NodeAction.Drain:
                var drained = await Run(ControlVerb.Drain);
                return From(drained, $"drained: {drained["drained"]?.AsArray().Count ?? 0} workers finished; connections refused");
            case NodeAction.Undrain:
                var undrained = await Run(ControlVerb.Undrain);
                return From(undrained, $"undrained: {undrained["undrained"]?.AsArray().Count ?? 0} workers serve");
            default:
                return new StepRan(step.StepId, _node, false, $"unknown action {step.Action}", generation);
        }
    }

    private void OnStepRan(StepRan ran)
    {
        _log.Info("Fleet: step {Step} {Outcome}: {Message}", ran.StepId, ran.Ok ? "done" : "failed", ran.Message);
        if (_running.Remove(ran.StepId, out var waiting))
            foreach (var who in waiting) who.Tell(ran);
        _finished[ran.StepId] = ran;
        _finishedOrder.Enqueue(ran.StepId);
        if (_finishedOrder.Count > 256) _finished.Remove(_finishedOrder.Dequeue());
    }

    private string AppFingerprint()
    {
        var file = new FileInfo(_context.AppPath);
        if (!file.Exists) return "-";
        if (_appHash.Written != file.LastWriteTimeUtc || _appHash.Length != file.Length)
        {
            using var stream = file.OpenRead();
            _appHash = (file.LastWriteTimeUtc, file.Length, Convert.ToHexStringLower(SHA256.HashData(stream))[..12]);
        }
        return _appHash.Hash;
    }

    /// <summary>
    /// The configuration's fingerprint, without the settings that name this host (its addresses, certificate, roles,
    /// paths): nodes that run the same configuration show the same fingerprint, and drift stands out.
    /// </summary>
    internal static string ConfigFingerprint(string hocon) => Fingerprint(string.Join('\n', hocon.Split('\n')
        .Where(line => !NodeSpecificKeys.Any(key => line.StartsWith(key + " =", StringComparison.Ordinal)))));

    private static readonly string[] NodeSpecificKeys =
        ["bind", "cluster.bind", "cluster.public_hostname", "cluster.certfile", "cluster.keyfile", "cluster.roles", "control_socket", "pidfile"];

    private static string Fingerprint(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
}

/// <summary>What a node's agent needs of its Arbiter: the Arbiter and control actors (in the Arbiter's actor system), the app, its roles.</summary>
/// <param name="Arbiter">The Arbiter actor.</param>
/// <param name="Control">The control actor, which runs commands as <c>ctl</c> would.</param>
/// <param name="AppPath">The app's assembly, for its fingerprint.</param>
/// <param name="Roles">This node's roles.</param>
public sealed record NodeContext(IActorRef Arbiter, IActorRef Control, string AppPath, IReadOnlyList<string> Roles);
