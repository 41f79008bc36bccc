using System.Text.RegularExpressions;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>HUP: a new generation of workers takes over with the re-read configuration, and nothing is lost.</summary>
public sealed class ReloadTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ag-reload-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("generation")]
    [InlineData("rolling")]
    public async Task Hup_under_keep_alive_load_replaces_every_worker_and_fails_no_request(string strategy)
    {
        await using var server = await ServerProcess.StartServingAsync(Paths.Hello, workers: 2, output, "--reload-strategy", strategy);
        await using var load = SteadyLoad.Start(server.Port, clients: 6);
        await load.WaitForMoreSuccessesAsync(300);
        for (int generation = 2; generation <= 3; generation++)
        {
            server.Signal(Posix.SIGHUP);
            await server.WaitForLineAsync(new Regex($"Reload complete: generation {generation} serves with 2 workers"));
            // Every worker of the generation before has drained and exited.
            await server.WaitForCountAsync(server.WorkerExitedRegex(), 2 * (generation - 1));
            await load.WaitForMoreSuccessesAsync(300);
        }
        output.WriteLine($"{strategy}: {load.Successes} requests, {load.Closes} closed by draining workers, {load.Failures} failed: {string.Join("; ", load.Errors.Take(5))}");
        Assert.Equal(0, load.Failures);
        Assert.True(load.Closes >= 1, "no draining worker told a client to close");
        Assert.Equal(6, server.WorkerPids.Count);
    }

    [Fact]
    public async Task Hup_applies_a_changed_configuration_file()
    {
        var config = Path.Combine(_dir, "server.hocon");
        File.WriteAllText(config, "workers = 1\nreload_strategy = rolling\n");
        await using var server = await ServerProcess.StartServingAsync(["-c", config, Paths.Fragile], 1, output);
        var first = await GetAsync(server);
        File.WriteAllText(config, "workers = 3\nreload_strategy = rolling\n");
        server.Signal(Posix.SIGHUP);
        await server.WaitForLineAsync(new Regex("Reloading \\(received HUP\\): generation 2, 3 workers, rolling strategy, replacing 1"));
        await server.WaitForLineAsync(new Regex("Reload complete: generation 2 serves with 3 workers"));
        await server.WaitForCountAsync(server.WorkerExitedRegex(), 1);
        Assert.NotEqual(first, await GetAsync(server));
        Assert.Equal(3, server.WorkerPids.Skip(1).Count(Posix.IsAlive));
    }

    [Fact]
    public async Task A_bad_configuration_or_an_app_that_cannot_load_leaves_the_old_workers_serving()
    {
        var config = Path.Combine(_dir, "server.hocon");
        var breakFile = Path.Combine(_dir, "broken");
        File.WriteAllText(config, "workers = 1\n");
        var env = new Dictionary<string, string> { ["FRAGILE_BREAK_FILE"] = breakFile };
        await using var server = await ServerProcess.StartServingAsync(["-c", config, Paths.Fragile], 1, output, env);
        var serving = await GetAsync(server);

        File.WriteAllText(config, "workers = many\n");
        server.Signal(Posix.SIGHUP);
        await server.WaitForLineAsync(new Regex(@"Reload \(received HUP\) refused, the running workers keep serving: .*workers.*many"));
        Assert.Equal(serving, await GetAsync(server));

        File.WriteAllText(config, "workers = 2\n");
        File.WriteAllText(breakFile, "");
        server.Signal(Posix.SIGHUP);
        await server.WaitForLineAsync(new Regex(@"Reload to generation 2 abandoned \(the app failed to load in worker \(pid:\d+\)\); generation 1 keeps serving"));
        Assert.Equal(serving, await GetAsync(server));
        Assert.False(server.Process.HasExited);

        File.Delete(breakFile);
        server.Signal(Posix.SIGHUP);
        await server.WaitForLineAsync(new Regex("Reload complete: generation 3 serves with 2 workers"));
        await server.WaitForCountAsync(server.WorkerExitedRegex(), 1);
        Assert.NotEqual(serving, await GetAsync(server));
    }

    private static async Task<string> GetAsync(ServerProcess server)
    {
        // A fresh connection each time: a pooled one could stay on a worker that is draining.
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(10) };
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{server.Port}/") { Headers = { ConnectionClose = true } };
        var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

}
