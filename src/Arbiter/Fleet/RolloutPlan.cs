namespace AkkaGunicorn.Arbiter.Fleet;

/// <summary>Which nodes a fleet command touches, and for a rolling reload in which groups.</summary>
public static class RolloutPlan
{
    /// <summary>
    /// The members a command for <paramref name="role"/> (null: every role) touches: those up, in address order.
    /// Refused (with why) when none is, or when one of them is unreachable: a command must be able to hear from every
    /// node it touches, and a node that hears only a minority must not act for the fleet.
    /// </summary>
    public static (IReadOnlyList<string> Nodes, string? Refused) Select(IEnumerable<FleetMember> members, string? role)
    {
        var chosen = members.Where(m => role is null || m.Roles.Contains(role)).ToList();
        if (chosen.FirstOrDefault(m => !m.Reachable) is { } unreachable)
            return ([], $"node {unreachable.Node} is unreachable; fleet commands wait until it answers or is downed (cluster.down_after)");
        var up = chosen.Where(m => m.Status == "up").Select(m => m.Node).Order(StringComparer.Ordinal).ToList();
        return up.Count == 0 ? ([], role is null ? "no node is up" : $"no node with role '{role}' is up") : (up, null);
    }

    /// <summary>The nodes in groups of <paramref name="parallel"/>, reloaded one group after another.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Batches(IReadOnlyList<string> nodes, int parallel) =>
        nodes.Chunk(Math.Max(1, parallel)).Select(IReadOnlyList<string> (batch) => batch).ToList();
}
