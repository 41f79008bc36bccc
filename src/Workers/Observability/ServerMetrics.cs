using System.Diagnostics;
using System.Diagnostics.Metrics;
using AkkaGunicorn.Http.Server;

namespace AkkaGunicorn.Workers.Observability;

/// <summary>
/// The .NET way to the same figures: System.Diagnostics.Metrics instruments on the "AkkaGunicorn" meter, readable
/// with dotnet-counters or OpenTelemetry: <c>http.server.request.duration</c> (seconds, by method and status, as
/// OpenTelemetry's HTTP conventions name it), <c>akkagunicorn.requests</c>, and gauges of open connections and
/// requests in flight, connections by phase, and connections closed on slow or idle clients by reason.
/// </summary>
public sealed class ServerMetrics : IExchangeObserver, IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "AkkaGunicorn";

    private readonly Meter _meter = new(MeterName, typeof(ServerMetrics).Assembly.GetName().Version?.ToString());
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _requests;

    /// <summary>Creates the instruments; the gauges read <paramref name="state"/>.</summary>
    public ServerMetrics(ServerState state)
    {
        _duration = _meter.CreateHistogram<double>("http.server.request.duration", "s", "Duration of HTTP server requests.");
        _requests = _meter.CreateCounter<long>("akkagunicorn.requests", "{request}", "Requests served.");
        _meter.CreateObservableUpDownCounter("akkagunicorn.connections.open", () => state.OpenConnections, "{connection}", "Open connections.");
        _meter.CreateObservableUpDownCounter("akkagunicorn.requests.in_flight", () => state.InFlight, "{request}", "Requests in progress.");
        _meter.CreateObservableUpDownCounter("akkagunicorn.connections.phase", () => Measure<ConnectionPhase>(state.ConnectionPhases(), "phase"),
            "{connection}", "Open connections by phase: new, reading_head, in_request, idle, upgraded.");
        _meter.CreateObservableCounter("akkagunicorn.connections.expired", () => Measure<ConnectionExpiry>(state.Expiries(), "reason"),
            "{connection}", "Connections closed on their clients: header_timeout, slow_request_body, slow_response_reader, evicted.");
    }

    private static IEnumerable<Measurement<long>> Measure<TEnum>(long[] counts, string tag) where TEnum : struct, Enum =>
        Enum.GetValues<TEnum>().Select(value => new Measurement<long>(counts[Convert.ToInt32(value)], new KeyValuePair<string, object?>(tag, SnakeCase.Of(value))));

    /// <inheritdoc />
    public void Completed(in Exchange exchange)
    {
        if (!_duration.Enabled && !_requests.Enabled) return;
        var tags = new TagList
        {
            { "http.request.method", exchange.Request.Method },
            { "http.response.status_code", exchange.Status },
        };
        _duration.Record(exchange.Duration.TotalSeconds, tags);
        _requests.Add(1, tags);
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
