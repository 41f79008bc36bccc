using System.Diagnostics;
using System.Text.Json.Nodes;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>
/// Distributed tracing as an app sees it: a caller's W3C traceparent becomes the parent of the request's activity, for a
/// native app (the server's own activity) and an ASP.NET Core app (its hosting's, with no second one from the server).
/// </summary>
public sealed class TracingTests(ITestOutputHelper output)
{
    private static HttpRequestMessage Traced(string url, ActivityTraceId trace, ActivitySpanId span)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("traceparent", $"00-{trace}-{span}-01");
        return request;
    }

    [Fact]
    public async Task A_native_apps_request_runs_in_a_server_activity_under_the_callers_trace()
    {
        await using var server = await ServerProcess.StartServingAsync(Paths.Fragile, 1, output, "--control-socket-disable");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var trace = ActivityTraceId.CreateRandom();
        var span = ActivitySpanId.CreateRandom();
        using (var first = await http.SendAsync(Traced($"http://127.0.0.1:{server.Port}/trace", trace, span)))
        {
            var lines = (await first.Content.ReadAsStringAsync()).Split('\n');
            output.WriteLine(string.Join('\n', lines));
            // current TRACE PARENT SPAN KIND: the caller's trace and span, a span of its own, kind Server (after an await).
            var current = lines[0].Split(' ');
            Assert.Equal(["current", trace.ToString(), span.ToString()], current[..3]);
            Assert.NotEqual(span.ToString(), current[3]);
            Assert.Equal("Server", current[4]);
        }
        // The next request sees the first one's activity ended with its attributes and status.
        var ended = (await http.GetStringAsync($"http://127.0.0.1:{server.Port}/trace")).Split('\n').Skip(1).ToList();
        Assert.Contains(ended, e => e.StartsWith($"{trace} ") && e.EndsWith(" Server GET /trace 200 Unset"));
    }

    [Fact]
    public async Task An_aspnetcore_apps_own_tracing_sees_the_callers_trace_and_one_activity()
    {
        await using var server = await ServerProcess.StartServingAsync(Paths.AspNetProbe, 1, output, "--control-socket-disable");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var trace = ActivityTraceId.CreateRandom();
        var span = ActivitySpanId.CreateRandom();
        using var response = await http.SendAsync(Traced($"http://127.0.0.1:{server.Port}/trace", trace, span));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        output.WriteLine(body.ToJsonString());
        Assert.Equal(trace.ToString(), (string?)body["traceId"]);
        Assert.Equal(span.ToString(), (string?)body["parentSpanId"]);
        Assert.Equal("Microsoft.AspNetCore", (string?)body["source"]);
        Assert.Equal(1, (int)body["depth"]!);
        // Without a traceparent ASP.NET Core takes the current activity as the parent: there must be none of the server's.
        var untraced = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{server.Port}/trace"))!;
        Assert.Equal("Microsoft.AspNetCore", (string?)untraced["source"]);
        Assert.Equal(1, (int)untraced["depth"]!);
    }
}
