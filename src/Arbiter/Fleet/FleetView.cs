using System.Text.Json.Nodes;
using AkkaGunicorn.Workers.Observability;

namespace AkkaGunicorn.Arbiter.Fleet;

/// <summary>The fleet as <c>ctl show cluster</c> shows it: membership (this node's view) joined with each node's published state.</summary>
public static class FleetView
{
    /// <summary><c>{"nodes":[{address, roles, status, pid, generation, workers, requests, rps, health, app, config}]}</c>.</summary>
    public static JsonObject Nodes(IReadOnlyList<FleetMember> members, IReadOnlyDictionary<string, NodeState> states)
    {
        var nodes = new JsonArray();
        foreach (var member in members.OrderBy(m => m.Node, StringComparer.Ordinal))
        {
            states.TryGetValue(member.Node, out var state);
            nodes.Add(new JsonObject
            {
                ["address"] = member.Node,
                ["roles"] = string.Join(",", member.Roles),
                ["status"] = member.Reachable ? member.Status : "unreachable",
                ["pid"] = state?.Pid,
                ["generation"] = state?.Generation,
                ["workers"] = state?.WorkerList.Count(w => w.State == "serving"),
                ["requests"] = state?.Requests,
                ["rps"] = state is null ? null : Math.Round(state.Rps, 1),
                ["health"] = state?.Health,
                ["app"] = state?.App,
                ["config"] = state?.Config,
            });
        }
        return new JsonObject { ["nodes"] = nodes };
    }

    /// <summary>Fleet-wide figures: totals, and latency percentiles of every node's requests merged (histograms added, not percentiles averaged).</summary>
    public static JsonObject Stats(IReadOnlyList<FleetMember> members, IReadOnlyDictionary<string, NodeState> states)
    {
        var live = members.Select(m => states.GetValueOrDefault(m.Node)).OfType<NodeState>().ToList();
        var merged = new long[LatencyHistogram.Buckets];
        var nodes = new JsonArray();
        foreach (var state in live.OrderBy(s => s.Node, StringComparer.Ordinal))
        {
            for (int i = 0; i < Math.Min(merged.Length, state.Latency.Count); i++) merged[i] += state.Latency[i];
            nodes.Add(new JsonObject
            {
                ["address"] = state.Node,
                ["requests"] = state.Requests,
                ["rps"] = Math.Round(state.Rps, 1),
                ["p50_ms"] = Milliseconds(state.Latency, 0.50),
                ["p99_ms"] = Milliseconds(state.Latency, 0.99),
            });
        }
        return new JsonObject
        {
            ["fleet"] = new JsonObject
            {
                ["nodes"] = live.Count,
                ["workers"] = live.Sum(s => s.WorkerList.Count(w => w.State == "serving")),
                ["requests"] = live.Sum(s => s.Requests),
                ["rps"] = Math.Round(live.Sum(s => s.Rps), 1),
            },
            ["latency_ms"] = new JsonObject
            {
                ["p50"] = Milliseconds(merged, 0.50),
                ["p90"] = Milliseconds(merged, 0.90),
                ["p99"] = Milliseconds(merged, 0.99),
                ["p999"] = Milliseconds(merged, 0.999),
            },
            ["nodes"] = nodes,
        };
    }

    private static double Milliseconds(IReadOnlyList<long> counts, double quantile) => LatencyHistogram.Percentile(counts, quantile) / 1000.0;
}
