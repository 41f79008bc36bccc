using Akka.Actor;
using Akka.DistributedData;
using Akka.Event;
using AkkaGunicorn.Arbiter.Control;

namespace AkkaGunicorn.Arbiter.Fleet;

/// <summary>
/// The fleet's one coordinator (a cluster singleton on the oldest node): it decides which nodes a command touches and
/// runs it through their agents. One rolling reload at a time; its progress is replicated (<see cref="RolloutRecord"/>),
/// so a coordinator that takes over from a dead one resumes the rollout where it stood.
/// </summary>
public sealed class FleetCoordinator : ReceiveActor, IWithUnboundedStash
{
    /// <summary>The replicated progress of the last rolling reload.</summary>
    public static readonly LWWRegisterKey<RolloutRecord> RolloutKey = new("fleet-rollout");

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TimeSpan _stepTimeout;
    private readonly FleetAccess _fleet;
    private IActorRef? _rollout;

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    /// <summary>
    /// Props for the coordinator; a node's step that takes longer than <paramref name="stepTimeout"/> fails.
    /// <paramref name="fleet"/> reaches the members (null: this actor system's cluster).
    /// </summary>
    public static Props Props(TimeSpan stepTimeout, FleetAccess? fleet = null) => Akka.Actor.Props.Create(() => new FleetCoordinator(stepTimeout, fleet));

    /// <summary>Creates the coordinator; use <see cref="Props"/>.</summary>
    public FleetCoordinator(TimeSpan stepTimeout, FleetAccess? fleet)
    {
        _stepTimeout = stepTimeout;
        _fleet = fleet ?? FleetAccess.Of(Context.System);
        Starting();
    }

    /// <summary>Until the last rollout's record is read, commands wait: a resumed rollout comes before any new one.</summary>
    private void Starting()
    {
        Receive<GetSuccess>(read => Started(read.Get(RolloutKey).Value));
        Receive<RolloutRecord>(Started);
        Receive<NotFound>(_ => Started(null));
        Receive<GetFailure>(_ =>
        {
            _log.Warning("Fleet coordinator: could not read the last rollout from a majority; not resuming any");
            Started(null);
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Started(RolloutRecord? last)
    {
        Become(Ready);
        Resume(last);
        Stash.UnstashAll();
    }

    private void Ready()
    {
        Receive<RollingReload>(OnRollingReload);
        Receive<ScaleFleet>(scale => FanOut(scale.Role, new RunStep(NewId("scale"), NodeAction.Scale, scale.Workers)));
        Receive<ShutdownFleet>(shutdown => FanOut(shutdown.Role, new RunStep(NewId("shutdown"), NodeAction.Shutdown)));
        Receive<DrainFleetNode>(OnDrain);
        Receive<Terminated>(t => { if (Equals(t.ActorRef, _rollout)) _rollout = null; });
    }

    /// <inheritdoc />
    protected override void PreStart() =>
        // A predecessor may have died mid-rollout: its record says where it stood.
        _fleet.ReadRollout(Self);

    private void Resume(RolloutRecord? record)
    {
        if (record is null || record.State != "running" || _rollout is not null) return;
        _log.Warning("Fleet coordinator: resuming rolling reload {Id} after {Done} of {Batches} groups (the previous coordinator is gone)",
            record.Id, record.Done, record.Batches.Count);
        // Whoever asked is still waiting (unless their node went too): the answer goes to them.
        var replyTo = record.ReplyTo is { } path ? ((ExtendedActorSystem)Context.System).Provider.ResolveActorRef(path) : ActorRefs.Nobody;
        StartRollout(record, replyTo);
    }

    private void OnRollingReload(RollingReload reload)
    {
        if (_rollout is not null) { Sender.Tell(Error("a rolling reload is under way; wait for it to finish")); return; }
        var (nodes, refused) = RolloutPlan.Select(_fleet.Members(), reload.Role);
        if (refused is not null) { Sender.Tell(Error(refused)); return; }
        StartRollout(new RolloutRecord(NewId("reload"), RolloutPlan.Batches(nodes, reload.Parallel), 0, "running",
            Akka.Serialization.Serialization.SerializedActorPath(Sender)), Sender);
    }

    private void StartRollout(RolloutRecord record, IActorRef replyTo)
    {
        _rollout = Context.ActorOf(Rollout.Props(record, replyTo, _stepTimeout, _fleet), record.Id);
        Context.Watch(_rollout);
    }

    private void FanOut(string? role, RunStep step)
    {
        var (nodes, refused) = RolloutPlan.Select(_fleet.Members(), role);
        if (refused is not null) { Sender.Tell(Error(refused)); return; }
        Context.ActorOf(StepFanOut.Props(nodes, step, Sender, _stepTimeout, _fleet));
    }

    private void OnDrain(DrainFleetNode drain)
    {
        var member = _fleet.Members().FirstOrDefault(m => m.Node == drain.Node);
        string? refused = member switch
        {
            null => $"no node {drain.Node} in the fleet; nodes: {string.Join(", ", _fleet.Members().Select(m => m.Node))}",
            { Reachable: false } => $"node {drain.Node} is unreachable",
            { Status: not "up" } => $"node {drain.Node} is {member.Status}, not up",
            _ => null,
        };
        if (refused is not null) { Sender.Tell(Error(refused)); return; }
        var action = drain.Drain ? NodeAction.Drain : NodeAction.Undrain;
        Context.ActorOf(StepFanOut.Props([drain.Node], new RunStep(NewId(action.ToString().ToLowerInvariant()), action), Sender, _stepTimeout, _fleet));
    }

    private static string NewId(string what) => $"{what}-{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>An error answer for the operator.</summary>
    internal static FleetAnswered Error(string message) => new(ControlActor.Error(message).ToJsonString());
}
