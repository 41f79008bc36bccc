using System.Diagnostics.Metrics;
using AkkaGunicorn.Arbiter.Control;
using AkkaGunicorn.Workers.Observability;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace AkkaGunicorn.Arbiter.Observability;

/// <summary>
/// The whole server's figures: the workers' heartbeats as the Arbiter aggregates them (exited workers' totals kept, so
/// counters only grow), exported by the OpenTelemetry SDK to Prometheus (<c>metrics_bind</c>: a scrape endpoint on the
/// Arbiter's own HTTP listener) and/or an OTLP collector (<c>otlp_endpoint</c>, OTLP over HTTP). Request durations follow OpenTelemetry's HTTP server conventions
/// (<c>http.server.request.duration</c>, seconds): each heartbeat's new requests are recorded at their latency
/// bucket's upper bound (workers count latencies in buckets within 25% of each other).
/// </summary>
public sealed class FleetMetrics : IDisposable
{
    /// <summary>The meter the Arbiter's fleet-wide instruments belong to.</summary>
    public const string MeterName = "AkkaGunicorn.Fleet";

    private readonly Meter _meter = new(MeterName, typeof(FleetMetrics).Assembly.GetName().Version?.ToString());
    private readonly Histogram<double> _duration;
    private readonly MeterProvider _provider;
    private readonly long[] _recorded = new long[LatencyHistogram.Buckets];
    private volatile StatsSnapshot? _latest;

    private FleetMetrics(System.Net.IPEndPoint? prometheus, Uri? otlp, string serviceName)
    {
        _duration = _meter.CreateHistogram<double>("http.server.request.duration", "s", "Duration of HTTP server requests, over every worker.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] });
        _meter.CreateObservableCounter("akkagunicorn.requests", () => _latest?.Requests ?? 0, "{request}", "Requests served, by every worker since start.");
        _meter.CreateObservableCounter("akkagunicorn.responses", () => Measure(_latest?.StatusClasses, "status_class"), "{response}",
            "Responses by status class (1xx to 5xx).");
        _meter.CreateObservableUpDownCounter("akkagunicorn.connections", () => Measure(_latest?.Connections, "phase"), "{connection}",
            "Open connections by phase: new, reading_head, in_request, idle, upgraded.");
        _meter.CreateObservableCounter("akkagunicorn.connections.expired", () => Measure(_latest?.Expired, "reason"), "{connection}",
            "Connections closed on clients, by reason.");
        _meter.CreateObservableUpDownCounter("akkagunicorn.workers.live", () => _latest?.PerWorker.Count ?? 0, "{worker}", "Workers reporting.");
        var builder = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .AddMeter(MeterName, ServerMetrics.MeterName);
        if (prometheus is not null)
        {
            builder.AddPrometheusHttpListener(options =>
            {
                options.Host = HostOf(prometheus.Address);
                options.Port = prometheus.Port;
                options.ScrapeEndpointPath = "/metrics";
            });
        }
        if (otlp is not null)
        {
            // The metrics signal's path under the collector's base address, as OTEL_EXPORTER_OTLP_ENDPOINT means it.
            builder.AddOtlpExporter(options =>
            {
                options.Protocol = OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf;
                options.Endpoint = new Uri(otlp, "v1/metrics");
            });
        }
        _provider = builder.Build();
    }

    /// <summary>
    /// Serves <c>http://ADDRESS:PORT/metrics</c> when <paramref name="prometheus"/> is given (scrape it at the address it
    /// binds: the listener matches requests by their Host; or bind 0.0.0.0 to answer any), and pushes to the OTLP
    /// collector at <paramref name="otlp"/> when given. Throws <see cref="System.Net.HttpListenerException"/> when the
    /// Prometheus address cannot be listened on.
    /// </summary>
    /// <param name="prometheus">Where to serve the scrape endpoint, or null.</param>
    /// <param name="otlp">The OTLP/HTTP collector's base address (e.g. http://collector:4318/), or null.</param>
    /// <param name="serviceName">The service name the figures carry (<c>proc_name</c>).</param>
    public static FleetMetrics Start(System.Net.IPEndPoint? prometheus, Uri? otlp, string serviceName) => new(prometheus, otlp, serviceName);

    private static string HostOf(System.Net.IPAddress address) =>
        address.Equals(System.Net.IPAddress.Any) || address.Equals(System.Net.IPAddress.IPv6Any) ? "*"
            : address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();

    /// <summary>Takes the Arbiter's latest aggregate (called on the Arbiter actor's thread after each heartbeat or exit).</summary>
    /// <param name="snapshot">The figures now.</param>
    /// <param name="latency">The latency bucket counts over every worker since start.</param>
    public void Update(StatsSnapshot snapshot, long[] latency)
    {
        _latest = snapshot;
        for (int bucket = 0; bucket < Math.Min(latency.Length, _recorded.Length); bucket++)
        {
            long added = latency[bucket] - _recorded[bucket];
            if (added <= 0) continue;
            _recorded[bucket] = latency[bucket];
            double seconds = LatencyHistogram.UpperBound(bucket) / 1e6;
            for (long i = 0; i < added; i++) _duration.Record(seconds);
        }
    }

    private static IEnumerable<Measurement<long>> Measure(IReadOnlyDictionary<string, long>? counts, string tag) =>
        counts?.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>(tag, kv.Key))) ?? [];

    /// <inheritdoc />
    public void Dispose()
    {
        _provider.Dispose();
        _meter.Dispose();
    }
}
