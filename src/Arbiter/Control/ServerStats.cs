using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Workers.Observability;

namespace AkkaGunicorn.Arbiter.Control;

/// <summary>Server-wide figures: totals over live and exited workers, recent rates, status classes, latency percentiles.</summary>
/// <param name="Requests">Requests served since start.</param>
/// <param name="Rate10s">Requests per second over the last 10 s.</param>
/// <param name="Rate60s">Requests per second over the last minute.</param>
/// <param name="StatusClasses">Responses by class: "1xx" … "5xx".</param>
/// <param name="LatencyMs">Latency percentiles in milliseconds: "p50", "p90", "p99", "p999".</param>
/// <param name="PerWorker">Requests served by each live worker.</param>
/// <param name="Connections">Open connections of live workers by phase: "new", "reading_head", "in_request", "idle", "upgraded".</param>
/// <param name="Expired">Connections the server closed on clients, by reason: "header_timeout", "slow_request_body", "slow_response_reader", "evicted".</param>
public sealed record StatsSnapshot(long Requests, double Rate10s, double Rate60s, IReadOnlyDictionary<string, long> StatusClasses,
    IReadOnlyDictionary<string, double> LatencyMs, IReadOnlyDictionary<int, long> PerWorker,
    IReadOnlyDictionary<string, long> Connections, IReadOnlyDictionary<string, long> Expired)
{
    /// <summary>The latency histogram the percentiles come from (see <see cref="LatencyHistogram"/>), for merging with other servers'.</summary>
    public IReadOnlyList<long> LatencyBuckets { get; init; } = [];
}

/// <summary>
/// Aggregates the workers' heartbeats into server-wide figures. Exited workers' totals are kept, so the totals
/// only grow; rates come from the total's samples over the last minute.
/// </summary>
public sealed class ServerStats
{
    private readonly Dictionary<int, WorkerReported> _live = new();
    private readonly long[] _exitedClasses = new long[6];
    private readonly long[] _exitedLatency = new long[LatencyHistogram.Buckets];
    private readonly long[] _exitedExpiries = new long[Enum.GetValues<ConnectionExpiry>().Length];
    private readonly Queue<(DateTime At, long Total)> _samples = new();
    private long _exitedServed;

    /// <summary>Starts counting: nothing served yet.</summary>
    public ServerStats() => _samples.Enqueue((DateTime.UtcNow, 0));

    /// <summary>The latest report of each live worker.</summary>
    public IReadOnlyDictionary<int, WorkerReported> Live => _live;

    /// <summary>Takes a heartbeat.</summary>
    public void Record(WorkerReported report)
    {
        _live[report.Heartbeat.Pid] = report;
        Sample(report.At);
    }

    /// <summary>A worker exited: its figures move to the exited totals.</summary>
    public void Exited(int pid, long served)
    {
        if (_live.Remove(pid, out var last))
        {
            Add(_exitedClasses, last.Heartbeat.StatusClasses);
            Add(_exitedLatency, last.Heartbeat.Latency);
            Add(_exitedExpiries, last.Heartbeat.Expiries);
        }
        _exitedServed += Math.Max(served, last?.Heartbeat.Served ?? 0);
        Sample(DateTime.UtcNow);
    }

    private long Total => _exitedServed + _live.Values.Sum(r => r.Heartbeat.Served);

    private void Sample(DateTime at)
    {
        _samples.Enqueue((at, Total));
        while (_samples.Count > 0 && at - _samples.Peek().At > TimeSpan.FromSeconds(70)) _samples.Dequeue();
    }

    /// <summary>The latency bucket counts over every worker since start (see <see cref="LatencyHistogram"/>).</summary>
    public long[] LatencyCounts()
    {
        var latency = (long[])_exitedLatency.Clone();
        foreach (var report in _live.Values) Add(latency, report.Heartbeat.Latency);
        return latency;
    }

    /// <summary>The figures now.</summary>
    public StatsSnapshot Snapshot()
    {
        var now = DateTime.UtcNow;
        long total = Total;
        var classes = (long[])_exitedClasses.Clone();
        var latency = (long[])_exitedLatency.Clone();
        var expiries = (long[])_exitedExpiries.Clone();
        var phases = new long[Enum.GetValues<ConnectionPhase>().Length];
        foreach (var report in _live.Values)
        {
            Add(classes, report.Heartbeat.StatusClasses);
            Add(latency, report.Heartbeat.Latency);
            Add(expiries, report.Heartbeat.Expiries);
            Add(phases, report.Heartbeat.Phases);
        }
        return new StatsSnapshot(total, Rate(now, total, 10), Rate(now, total, 60),
            new Dictionary<string, long> { ["1xx"] = classes[1], ["2xx"] = classes[2], ["3xx"] = classes[3], ["4xx"] = classes[4], ["5xx"] = classes[5] },
            new Dictionary<string, double>
            {
                ["p50"] = LatencyHistogram.Percentile(latency, 0.50) / 1000.0,
                ["p90"] = LatencyHistogram.Percentile(latency, 0.90) / 1000.0,
                ["p99"] = LatencyHistogram.Percentile(latency, 0.99) / 1000.0,
                ["p999"] = LatencyHistogram.Percentile(latency, 0.999) / 1000.0,
            },
            _live.ToDictionary(kv => kv.Key, kv => kv.Value.Heartbeat.Served),
            Named<ConnectionPhase>(phases), Named<ConnectionExpiry>(expiries)) { LatencyBuckets = latency };
    }

    /// <summary>Counts indexed by <typeparamref name="TEnum"/>, keyed by its names in snake case.</summary>
    private static Dictionary<string, long> Named<TEnum>(long[] counts) where TEnum : struct, Enum =>
        Enum.GetValues<TEnum>().ToDictionary(SnakeCase.Of, value => Convert.ToInt32(value) < counts.Length ? counts[Convert.ToInt32(value)] : 0);

    private double Rate(DateTime now, long total, int seconds)
    {
        var from = _samples.Where(s => now - s.At <= TimeSpan.FromSeconds(seconds)).Cast<(DateTime At, long Total)?>().FirstOrDefault();
        if (from is not { } start) return 0;
        double elapsed = (now - start.At).TotalSeconds;
        return elapsed < 0.5 ? 0 : (total - start.Total) / elapsed;
    }

    private static void Add(long[] into, long[] values)
    {
        for (int i = 0; i < Math.Min(into.Length, values.Length); i++) into[i] += values[i];
    }
}
