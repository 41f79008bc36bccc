using System.Text.Json.Nodes;

namespace AkkaGunicorn.Arbiter.Control;

/// <summary>The JSON shapes of <c>show</c>'s answers (documented in the README).</summary>
public static class ControlJson
{
    /// <summary><c>show SUBJECT</c>: all, workers, stats, config or listeners.</summary>
    public static JsonObject Show(string subject, ServerSnapshot snapshot) => subject switch
    {
        "workers" => new JsonObject { ["workers"] = Workers(snapshot) },
        "stats" => new JsonObject { ["stats"] = Stats(snapshot) },
        "config" => new JsonObject { ["config"] = snapshot.Configuration },
        "listeners" => new JsonObject { ["listeners"] = new JsonArray(snapshot.Listeners.Select(l => (JsonNode)l).ToArray()) },
        _ => new JsonObject
        {
            ["arbiter"] = new JsonObject { ["pid"] = snapshot.ArbiterPid, ["workers"] = snapshot.Workers, ["generation"] = snapshot.Generation },
            ["workers"] = Workers(snapshot),
            ["stats"] = Stats(snapshot),
            ["listeners"] = new JsonArray(snapshot.Listeners.Select(l => (JsonNode)l).ToArray()),
            ["config"] = snapshot.Configuration,
        },
    };

    private static JsonArray Workers(ServerSnapshot snapshot)
    {
        var now = DateTime.UtcNow;
        return new JsonArray(snapshot.Rows.Select(r => (JsonNode)new JsonObject
        {
            ["pid"] = r.Pid,
            ["age"] = r.Age,
            ["generation"] = r.Generation,
            ["uptime_s"] = Math.Round((now - r.Started).TotalSeconds, 1),
            ["booted"] = r.Booted is not null,
            ["requests"] = r.Requests,
            ["in_flight"] = r.InFlight,
            ["connections"] = r.Connections,
            ["rss_bytes"] = r.ResidentBytes,
            ["last_heartbeat_s"] = r.LastHeartbeat is { } at ? Math.Round((now - at).TotalSeconds, 2) : null,
        }).ToArray());
    }

    private static JsonObject Stats(ServerSnapshot snapshot)
    {
        var stats = snapshot.Stats;
        long live = stats.PerWorker.Values.Sum();
        return new JsonObject
        {
            ["requests"] = stats.Requests,
            ["rate_10s"] = Math.Round(stats.Rate10s, 1),
            ["rate_60s"] = Math.Round(stats.Rate60s, 1),
            ["status"] = new JsonObject(stats.StatusClasses.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["latency_ms"] = new JsonObject(stats.LatencyMs.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["connections"] = new JsonObject(stats.Connections.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["expired"] = new JsonObject(stats.Expired.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["per_worker"] = new JsonArray(stats.PerWorker.OrderBy(kv => kv.Key).Select(kv => (JsonNode)new JsonObject
            {
                ["pid"] = kv.Key,
                ["requests"] = kv.Value,
                ["share"] = live == 0 ? 0 : Math.Round((double)kv.Value / live, 3),
            }).ToArray()),
        };
    }
}
