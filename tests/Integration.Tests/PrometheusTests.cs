using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>
/// The metrics a real server exports. Prometheus (metrics_bind) is read as Prometheus reads it: the text is parsed by
/// the Prometheus project's own Python client, and the figures must add up over every worker, exited ones included.
/// OTLP (otlp_endpoint) must reach a collector's HTTP receiver.
/// </summary>
public sealed class PrometheusTests(ITestOutputHelper output)
{
    // Prints {family: {"type": ..., "samples": [[name, labels, value], ...]}} for the scraped text on stdin.
    private const string Parse = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        out = {}
        for family in text_string_to_metric_families(sys.stdin.read()):
            out[family.name] = {"type": family.type, "samples": [[s.name, s.labels, s.value] for s in family.samples]}
        print(json.dumps(out))
        """;

    private static async Task<JsonNode> ScrapeAsync(HttpClient http, int port)
    {
        var text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Parse);
        using var python = Process.Start(info)!;
        await python.StandardInput.WriteAsync(text);
        python.StandardInput.Close();
        var parsed = await python.StandardOutput.ReadToEndAsync();
        var error = await python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync();
        Assert.True(python.ExitCode == 0, $"the Prometheus parser refused the endpoint's text: {error}\n{text}");
        return JsonNode.Parse(parsed)!;
    }

    private static double Sample(JsonNode families, string family, string sample, string? label = null, string? value = null) =>
        families[family]!["samples"]!.AsArray()
            .Where(s => (string)s![0]! == sample && (label is null || (string?)s[1]![label] == value))
            .Sum(s => (double)s![2]!);

    [Fact]
    public async Task The_endpoint_carries_the_whole_servers_figures_in_prometheus_text_format()
    {
        int metricsPort = NginxFront.FreePort();
        await using var server = await ServerProcess.StartServingAsync(["--workers", "2", "--control-socket-disable",
            "--metrics-bind", $"127.0.0.1:{metricsPort}", "--max-requests", "15", Paths.Fragile], 2, output);
        await server.WaitForLineAsync(new System.Text.RegularExpressions.Regex($@"Metrics at: http://127\.0\.0\.1:{metricsPort}/metrics"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        // Enough for max_requests to recycle at least one worker: its requests must still count.
        for (int i = 0; i < 40; i++) await http.GetAsync($"http://127.0.0.1:{server.Port}/");
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, (await http.GetAsync($"http://127.0.0.1:{server.Port}/hook-fails")).StatusCode);

        // Heartbeats carry the figures to the Arbiter: scrape until all 41 requests are in.
        var families = await Eventually.UntilAsync(() => ScrapeAsync(http, metricsPort),
            f => f["akkagunicorn_requests"] is not null && Sample(f, "akkagunicorn_requests", "akkagunicorn_requests_total") >= 41,
            f => $"the endpoint never counted 41 requests: {f.ToJsonString()}");
        output.WriteLine(families.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        await server.WaitForLineAsync(server.WorkerExitedRegex());

        Assert.Equal("counter", (string?)families["akkagunicorn_requests"]!["type"]);
        Assert.Equal(41, Sample(families, "akkagunicorn_requests", "akkagunicorn_requests_total"));
        Assert.Equal(40, Sample(families, "akkagunicorn_responses", "akkagunicorn_responses_total", "status_class", "2xx"));
        Assert.Equal(1, Sample(families, "akkagunicorn_responses", "akkagunicorn_responses_total", "status_class", "5xx"));
        Assert.Equal("histogram", (string?)families["http_server_request_duration_seconds"]!["type"]);
        Assert.Equal(41, Sample(families, "http_server_request_duration_seconds", "http_server_request_duration_seconds_count"));
        Assert.Equal(41, Sample(families, "http_server_request_duration_seconds", "http_server_request_duration_seconds_bucket", "le", "+Inf"));
        Assert.Equal(2, Sample(families, "akkagunicorn_workers", "akkagunicorn_workers"));
        Assert.NotNull(families["akkagunicorn_connections"]);
        Assert.NotNull(families["akkagunicorn_connections_expired"]);
    }

    [Fact]
    public async Task A_metrics_bind_without_a_port_stops_the_start()
    {
        await using var server = ServerProcess.Start(["--bind", "127.0.0.1:0", "--metrics-bind", "127.0.0.1", Paths.Hello], output);
        Assert.Equal(1, await server.WaitForExitAsync());
        Assert.Contains(server.Lines, l => l.Contains("setting 'metrics_bind' = '127.0.0.1': expected HOST:PORT with a port"));
    }

    [Fact]
    public async Task Otlp_pushes_the_same_figures_to_a_collector()
    {
        using var collector = new OtlpCollector(output);
        await using var server = await ServerProcess.StartServingAsync(["--workers", "1", "--control-socket-disable",
            "--otlp-endpoint", collector.Endpoint, Paths.Fragile], 1, output,
            new Dictionary<string, string> { ["OTEL_METRIC_EXPORT_INTERVAL"] = "300" });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        for (int i = 0; i < 5; i++) await http.GetAsync($"http://127.0.0.1:{server.Port}/");

        await collector.ReceiveUntilAsync((path, bytes) =>
        {
            Assert.Equal("/v1/metrics", path);
            // Protobuf keeps strings as they are: the export names the instruments and the service.
            var text = System.Text.Encoding.UTF8.GetString(bytes);
            Assert.Contains("akkagunicorn", text);
            return text.Contains("http.server.request.duration") && text.Contains("akkagunicorn.requests");
        });
    }

    [Fact]
    public async Task Otlp_gets_each_workers_request_spans_in_the_callers_trace()
    {
        using var collector = new OtlpCollector(output);
        await using var server = await ServerProcess.StartServingAsync(["--workers", "1", "--control-socket-disable",
            "--otlp-endpoint", collector.Endpoint, Paths.Hello], 1, output,
            new Dictionary<string, string> { ["OTEL_BSP_SCHEDULE_DELAY"] = "200", ["OTEL_METRIC_EXPORT_INTERVAL"] = "600000" });
        var traceId = System.Diagnostics.ActivityTraceId.CreateRandom();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{server.Port}/traced");
        request.Headers.Add("traceparent", $"00-{traceId}-{System.Diagnostics.ActivitySpanId.CreateRandom()}-01");
        (await http.SendAsync(request)).EnsureSuccessStatusCode();

        var traceBytes = Convert.FromHexString(traceId.ToHexString());
        await collector.ReceiveUntilAsync((path, bytes) =>
        {
            if (path != "/v1/traces") return false;
            // Protobuf keeps strings and the 16 trace-id bytes as they are.
            var text = System.Text.Encoding.UTF8.GetString(bytes);
            Assert.Contains("AkkaGunicorn.Http", text);
            Assert.Contains("akkagunicorn", text);
            return bytes.AsSpan().IndexOf(traceBytes) >= 0 && text.Contains("/traced");
        });
    }

    /// <summary>A collector's OTLP/HTTP receiver, as far as these tests need one: it takes the POSTs and reads their bodies.</summary>
    private sealed class OtlpCollector : IDisposable
    {
        private readonly System.Net.HttpListener _listener = new();
        private readonly ITestOutputHelper _output;

        public OtlpCollector(ITestOutputHelper output)
        {
            _output = output;
            int port = NginxFront.FreePort();
            Endpoint = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Endpoint + "/");
            _listener.Start();
        }

        public string Endpoint { get; }

        /// <summary>Answers exports until <paramref name="enough"/> (given each one's path and body) says so; 30 s at most.</summary>
        public async Task ReceiveUntilAsync(Func<string?, byte[], bool> enough)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                var context = await _listener.GetContextAsync().WaitAsync(deadline.Token);
                var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                context.Response.StatusCode = 200;
                context.Response.Close();
                _output.WriteLine($"{context.Request.HttpMethod} {context.Request.Url?.AbsolutePath} {context.Request.ContentType} {body.Length} bytes");
                Assert.Equal("POST", context.Request.HttpMethod);
                Assert.Equal("application/x-protobuf", context.Request.ContentType);
                if (enough(context.Request.Url?.AbsolutePath, body.ToArray())) return;
            }
        }

        public void Dispose() => ((IDisposable)_listener).Dispose();
    }
}
