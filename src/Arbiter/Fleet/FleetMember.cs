using Akka.Cluster;

namespace AkkaGunicorn.Arbiter.Fleet;

/// <summary>A cluster member as the fleet commands see it.</summary>
/// <param name="Node">Its address, HOST:PORT.</param>
/// <param name="Roles">Its roles.</param>
/// <param name="Status">Akka's member status in lower case: joining, up, leaving, exiting, down, removed, weaklyup.</param>
/// <param name="Reachable">Whether this node's failure detector hears it.</param>
public sealed record FleetMember(string Node, IReadOnlyList<string> Roles, string Status, bool Reachable)
{
    /// <summary>HOST:PORT of an Akka address.</summary>
    public static string NodeOf(Akka.Actor.Address address) => $"{address.Host}:{address.Port}";

    /// <summary>The members of the cluster as <paramref name="state"/> shows them.</summary>
    public static IReadOnlyList<FleetMember> From(ClusterEvent.CurrentClusterState state) =>
        state.Members.Select(m => new FleetMember(NodeOf(m.Address), m.Roles.Where(r => !r.StartsWith("dc-")).Order().ToList(),
            m.Status.ToString().ToLowerInvariant(), !state.Unreachable.Contains(m))).ToList();
}
