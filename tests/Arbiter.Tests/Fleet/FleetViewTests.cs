using AkkaGunicorn.Arbiter.Fleet;
using AkkaGunicorn.Workers.Observability;
using Xunit;

namespace AkkaGunicorn.Arbiter.Tests.Fleet;

/// <summary>The fleet view and the plan of a fleet command, as pure functions.</summary>
public sealed class FleetViewTests
{
    private static NodeState State(string node, long requests, params (long Micros, long Count)[] latencies)
    {
        var buckets = new long[LatencyHistogram.Buckets];
        foreach (var (micros, count) in latencies) buckets[LatencyHistogram.BucketOf(micros)] += count;
        return new NodeState(node, [], 1, 2, "app", "config", 1, [new NodeWorker(10, 2, requests, 1 << 20, "serving")], requests, 5, buckets, "ok", DateTime.UtcNow);
    }

    [Fact]
    public void Percentiles_come_from_the_merged_histograms_not_from_averaged_percentiles()
    {
        // One node fast (900 requests at 1 ms), one slow (100 at 100 ms): the fleet's p99 is the slow node's, its p50 the fast one's.
        var members = new[] { new FleetMember("a:1", [], "up", true), new FleetMember("b:1", [], "up", true) };
        var states = new Dictionary<string, NodeState> { ["a:1"] = State("a:1", 900, (1000, 900)), ["b:1"] = State("b:1", 100, (100_000, 100)) };
        var stats = FleetView.Stats(members, states);
        Assert.Equal(1000L, (long)stats["fleet"]!["requests"]!);
        Assert.Equal(10.0, (double)stats["fleet"]!["rps"]!);
        Assert.InRange((double)stats["latency_ms"]!["p50"]!, 1.0, 1.3);
        Assert.InRange((double)stats["latency_ms"]!["p99"]!, 100.0, 125.0);
    }

    [Fact]
    public void Nodes_show_their_reachability_and_a_node_not_heard_from_yet_has_no_figures()
    {
        var members = new[] { new FleetMember("b:1", ["web"], "up", false), new FleetMember("a:1", ["web", "x"], "joining", true) };
        var view = FleetView.Nodes(members, new Dictionary<string, NodeState> { ["b:1"] = State("b:1", 7) });
        var nodes = view["nodes"]!.AsArray();
        Assert.Equal(["a:1", "b:1"], nodes.Select(n => (string)n!["address"]!));
        Assert.Equal("joining", (string)nodes[0]!["status"]!);
        Assert.Null(nodes[0]!["generation"]);
        Assert.Equal("web,x", (string)nodes[0]!["roles"]!);
        Assert.Equal("unreachable", (string)nodes[1]!["status"]!);
        Assert.Equal(7L, (long)nodes[1]!["requests"]!);
    }

    [Fact]
    public void A_plan_takes_the_up_members_of_the_role_in_address_order_and_refuses_with_one_unreachable()
    {
        var members = new List<FleetMember>
        {
            new("c:1", ["web"], "up", true), new("a:1", ["web", "canary"], "up", true),
            new("b:1", ["web"], "joining", true), new("d:1", ["api"], "up", true),
        };
        Assert.Equal(["a:1", "c:1"], RolloutPlan.Select(members, "web").Nodes);
        Assert.Null(RolloutPlan.Select(members, "web").Refused);
        Assert.Equal(["a:1", "c:1", "d:1"], RolloutPlan.Select(members, null).Nodes);
        Assert.Equal("no node with role 'db' is up", RolloutPlan.Select(members, "db").Refused);
        members.Add(new FleetMember("e:1", ["api"], "up", false));
        Assert.Contains("node e:1 is unreachable", RolloutPlan.Select(members, null).Refused);
        // Only the nodes the command touches must answer.
        Assert.Null(RolloutPlan.Select(members, "web").Refused);
        Assert.Equal([["a"], ["b"], ["c"]], RolloutPlan.Batches(["a", "b", "c"], 1));
        Assert.Equal([["a", "b"], ["c"]], RolloutPlan.Batches(["a", "b", "c"], 2));
    }
}
