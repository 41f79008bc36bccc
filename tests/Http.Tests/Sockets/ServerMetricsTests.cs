using System.Diagnostics.Metrics;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Http.Tests.Support;
using AkkaGunicorn.Workers.Observability;
using Xunit;

namespace AkkaGunicorn.Http.Tests.Sockets;

/// <summary>The System.Diagnostics.Metrics instruments, read with a MeterListener as dotnet-counters or OpenTelemetry would.</summary>
public sealed class ServerMetricsTests
{
    [Fact]
    public async Task Each_request_is_measured_with_its_method_and_status()
    {
        var state = new ServerState();
        using var metrics = new ServerMetrics(state);
        var durations = new List<(double Seconds, string Method, int Status)>();
        long connections = -1;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ServerMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (instrument.Name != "http.server.request.duration") return;
            var all = tags.ToArray().ToDictionary(t => t.Key, t => t.Value);
            lock (durations) durations.Add((value, (string)all["http.request.method"]!, (int)all["http.response.status_code"]!));
        });
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "akkagunicorn.connections.open") connections = value;
        });
        listener.Start();

        await using var server = new InProcessServer(new TestApp(), new HttpServerOptions { Observer = metrics }, state);
        using var client = new RawClient(server.Port);
        await client.SendAsync("GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        await client.ReadToEndAsync();
        listener.RecordObservableInstruments();

        lock (durations)
        {
            Assert.Equal([("GET", 200), ("POST", 200)], durations.Select(d => (d.Method, d.Status)));
            Assert.All(durations, d => Assert.InRange(d.Seconds, 0, 10));
        }
        Assert.InRange(connections, 0, 1);
    }
}
