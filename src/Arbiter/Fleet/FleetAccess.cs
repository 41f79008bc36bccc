using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;

namespace AkkaGunicorn.Arbiter.Fleet;

/// <summary>
/// How the coordinator reaches the fleet: the members as this node sees them, each node's agent, and the replicated
/// rollout record. The cluster's own in production; probes in the coordinator's unit tests.
/// </summary>
/// <param name="Members">The members now.</param>
/// <param name="Agent">A node's agent, by HOST:PORT.</param>
/// <param name="Save">Replicates a rollout's progress (to a majority).</param>
/// <param name="ReadRollout">Reads the last rollout record (from a majority); the answer goes to the actor given.</param>
public sealed record FleetAccess(Func<IReadOnlyList<FleetMember>> Members, Func<string, ICanTell> Agent, Action<RolloutRecord> Save,
    Action<IActorRef> ReadRollout)
{
    /// <summary>The fleet of <paramref name="system"/>'s cluster.</summary>
    public static FleetAccess Of(ActorSystem system)
    {
        var cluster = Cluster.Get(system);
        var replicator = DistributedData.Get(system).Replicator;
        var majority = TimeSpan.FromSeconds(5);
        return new FleetAccess(
            () => FleetMember.From(cluster.State),
            node => system.ActorSelection($"{FleetConfig.AddressOf(node)}/user/node"),
            record => replicator.Tell(Dsl.Update(FleetCoordinator.RolloutKey,
                new LWWRegister<RolloutRecord>(cluster.SelfUniqueAddress, record), new WriteMajority(majority),
                register => register.WithValue(cluster.SelfUniqueAddress, record)), ActorRefs.NoSender),
            replyTo => replicator.Tell(Dsl.Get(FleetCoordinator.RolloutKey, new ReadMajority(majority)), replyTo));
    }
}
