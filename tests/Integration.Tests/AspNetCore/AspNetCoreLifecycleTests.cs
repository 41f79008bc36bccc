using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests.AspNetCore;

/// <summary>
/// An ASP.NET Core app under the Arbiter's process model: boot failures in its Program follow the boot rules, the
/// addresses it configures for Kestrel give way to the server's bind, a host that stops itself is replaced, and a
/// reload under load loses nothing.
/// </summary>
public sealed class AspNetCoreLifecycleTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("throw", 3, "the app's Program threw InvalidOperationException while starting: probe: the Program is broken on purpose", "failed to boot")]
    [InlineData("return", 4, "the app's Program returned without starting a web host", "App failed to load")]
    public async Task A_Program_that_fails_at_start_stops_the_server_once_with_the_boot_rules_exit_code(string how, int code, string reason, string verdict)
    {
        await using var server = ServerProcess.Start(["--bind", "127.0.0.1:0", "--workers", "2", Paths.AspNetProbe], output,
            new Dictionary<string, string> { ["PROBE_BREAK"] = how });
        Assert.Equal(code, await server.WaitForExitAsync());
        Assert.Contains(server.Lines, l => l.Contains(reason));
        Assert.Contains(server.Lines, l => l.Contains(verdict));
        // No crash loop: the first failure halts the server; no worker is started again.
        Assert.True(server.WorkerPids.Count <= 2, $"{server.WorkerPids.Count} workers were started");
    }

    [Fact]
    public async Task An_address_the_app_configures_for_Kestrel_is_ignored_and_the_log_says_so()
    {
        await using var server = await ServerProcess.StartServingAsync([Paths.AspNetProbe], workers: 1, output,
            new Dictionary<string, string> { ["PROBE_KESTREL_URL"] = "http://127.0.0.1:1" });
        await server.WaitForLineAsync(new Regex(@"ignoring the address\(es\) configured for Kestrel: http://127\.0\.0\.1:1"));
        await server.WaitForLineAsync(new Regex($@"Now listening on: http://127\.0\.0\.1:{server.Port}"));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}") };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/host")).StatusCode);
    }

    [Fact]
    public async Task An_app_that_stops_its_own_host_drains_its_worker_and_the_Arbiter_replaces_it()
    {
        await using var server = await ServerProcess.StartServingAsync([Paths.AspNetProbe], workers: 1, output);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}"), Timeout = TimeSpan.FromSeconds(30) };
        int first = server.WorkerPids.Single();
        Assert.Equal("stopping", await http.GetStringAsync("/stop-host"));
        await server.WaitForLineAsync(new Regex(@"Draining \(the app stopped its host\)"));
        await server.WaitForCountAsync(new Regex($@"\] \[{server.Pid}\] \[INFO\] Booting worker with pid: \d+"), 2);
        await server.WaitForCountAsync(ServerProcess.ServingRegex(), 2);
        var host = JsonNode.Parse(await http.GetStringAsync("/host"))!;
        Assert.NotEqual(first, (int)host["pid"]!);
        Assert.False(Posix.IsAlive(first));
    }

    [Fact]
    public async Task Hup_under_keep_alive_load_replaces_the_apps_workers_and_fails_no_request()
    {
        await using var server = await ServerProcess.StartServingAsync(Paths.WebApi, workers: 2, output);
        await using var load = SteadyLoad.Start(server.Port, clients: 4, path: "/");
        await load.WaitForMoreSuccessesAsync(300);
        server.Signal(Posix.SIGHUP);
        await server.WaitForLineAsync(new Regex("Reload complete: generation 2 serves with 2 workers"));
        await server.WaitForCountAsync(server.WorkerExitedRegex(), 2);
        await load.WaitForMoreSuccessesAsync(300);
        output.WriteLine($"{load.Successes} requests, {load.Closes} closed by draining workers, {load.Failures} failed: {string.Join("; ", load.Errors.Take(5))}");
        Assert.Equal(0, load.Failures);
        Assert.Contains("Hello, World!", load.Bodies.Keys);
    }
}
