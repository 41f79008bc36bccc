using System.Text.RegularExpressions;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>Gunicorn's server hooks, from the app's hooks class, each in the process and at the moment Gunicorn calls it.</summary>
public sealed class HookTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ag-hooks-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Dictionary<string, string> Environment(string? failing = null, string? blocking = null)
    {
        var environment = new Dictionary<string, string> { ["FRAGILE_HOOK_LOG"] = _dir };
        if (failing is not null) environment["FRAGILE_FAIL_HOOK"] = failing;
        if (blocking is not null) environment["FRAGILE_BLOCK_HOOK"] = blocking;
        return environment;
    }

    /// <summary>Every hook call so far, as (process, line), in the order each process made them.</summary>
    private List<(int Pid, string Line)> Calls() => Directory.GetFiles(_dir, "*.log")
        .SelectMany(f => File.ReadAllLines(f).Select(l => (int.Parse(Path.GetFileNameWithoutExtension(f)), l))).ToList();

    private List<string> CallsOf(int pid) => Calls().Where(c => c.Pid == pid).Select(c => c.Line.Split(' ')[0]).ToList();

    [Fact]
    public async Task Each_hook_runs_in_its_process_and_order()
    {
        await using var server = await ServerProcess.StartServingAsync(["--workers", "2", Paths.Fragile], 2, output, Environment());
        await server.WaitForLineAsync(new Regex(@"Worker \(pid:\d+\) serves|Serving on"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.StartsWith("pid ", await http.GetStringAsync($"http://127.0.0.1:{server.Port}/hello"));
        server.Signal(Posix.SIGTTIN);
        await server.WaitForCountAsync(ServerProcess.ServingRegex(), 3);
        server.Signal(Posix.SIGTERM);
        Assert.Equal(0, await server.WaitForExitAsync());

        var arbiter = CallsOf(server.Pid);
        output.WriteLine(string.Join("\n", Calls().Select(c => c.Line)));
        Assert.Equal(["on_starting", "nworkers_changed", "pre_fork", "pre_fork"], arbiter.Take(4));
        Assert.Contains("when_ready", arbiter);
        Assert.True(arbiter.IndexOf("when_ready") < arbiter.LastIndexOf("pre_fork"), "when_ready comes once the first workers serve, before TTIN's");
        Assert.Equal(3, arbiter.Count(h => h == "child_exit"));
        Assert.Equal("on_exit", arbiter[^1]);
        Assert.Contains(Calls(), c => c.Line == $"nworkers_changed pid={server.Pid} 2 None");
        Assert.Contains(Calls(), c => c.Line == $"nworkers_changed pid={server.Pid} 3 2");
        Assert.Contains(Calls(), c => c.Line.StartsWith($"when_ready pid={server.Pid} listeners=127.0.0.1:{server.Port}"));

        foreach (var worker in server.WorkerPids)
        {
            var calls = CallsOf(worker);
            Assert.Equal(["post_fork", "post_worker_init"], calls.Take(2));
            Assert.Equal("worker_exit", calls[^1]);
            Assert.Contains(Calls(), c => c.Line.StartsWith($"post_fork pid={worker} arbiter={server.Pid}"));
        }
        var served = Calls().Where(c => c.Line.EndsWith(" /hello")).ToList();
        Assert.Equal(["pre_request", "post_request"], served.Select(c => c.Line.Split(' ')[0]));
        Assert.Single(served.Select(c => c.Pid).Distinct());
    }

    [Fact]
    public async Task A_failing_pre_request_answers_500_and_the_worker_serves_on()
    {
        await using var server = await ServerProcess.StartServingAsync(["--workers", "1", Paths.Fragile], 1, output, Environment());
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal(500, (int)(await http.GetAsync($"http://127.0.0.1:{server.Port}/hook-fails")).StatusCode);
        Assert.Equal($"pid {server.WorkerPids[0]}", await http.GetStringAsync($"http://127.0.0.1:{server.Port}/"));
        // post_request runs for the failed request too.
        Assert.Contains(Calls(), c => c.Line == $"post_request pid={server.WorkerPids[0]} /hook-fails");
    }

    [Fact]
    public async Task Worker_abort_and_worker_int_run_before_the_worker_dies()
    {
        await using var server = await ServerProcess.StartServingAsync(["--workers", "1", Paths.Fragile], 1, output, Environment());
        var first = server.WorkerPids[0];
        Assert.True(Posix.Kill(first, Posix.SIGABRT));
        await server.WaitForLineAsync(new Regex($@"Worker \(pid:{first}\) was killed by signal ABRT"));
        Assert.Contains("worker_abort", CallsOf(first));
        await server.WaitForCountAsync(ServerProcess.ServingRegex(), 2);
        var second = server.WorkerPids[1];
        Assert.True(Posix.Kill(second, Posix.SIGINT));
        await server.WaitForLineAsync(new Regex($@"Worker \(pid:{second}\) (was killed by signal INT|exited with code)"));
        Assert.Contains("worker_int", CallsOf(second));
    }

    [Theory]
    [InlineData("post_fork", 3)]
    [InlineData("post_worker_init", 3)]
    [InlineData("on_starting", 1)]
    public async Task A_failing_boot_hook_stops_the_server_with_gunicorns_exit_code(string hook, int exitCode)
    {
        await using var server = ServerProcess.Start(["--bind", "127.0.0.1:0", "--workers", "1", Paths.Fragile], output, Environment(failing: hook));
        Assert.Equal(exitCode, await server.WaitForExitAsync());
        Assert.Contains(server.Lines, l => l.Contains($"Exception in {hook} hook"));
        Assert.Contains(server.Lines, l => l.Contains($"{hook} fails on purpose"));
    }

    [Fact]
    public async Task A_failing_on_reload_refuses_the_reload()
    {
        await using var server = await ServerProcess.StartServingAsync(["--workers", "1", Paths.Fragile], 1, output, Environment(failing: "on_reload"));
        server.Signal(Posix.SIGHUP);
        await server.WaitForLineAsync(new Regex(@"Reload \(received HUP\) refused by the on_reload hook"));
        Assert.DoesNotContain(server.Lines, l => l.Contains("Reloading"));
    }

    [Fact]
    public async Task A_hook_that_blocks_holds_up_the_hooks_after_it_but_not_the_arbiter()
    {
        await using var server = await ServerProcess.StartServingAsync(["--workers", "2", Paths.Fragile], 2, output, Environment(blocking: "child_exit"));
        int victim = server.WorkerPids[0], survivor = server.WorkerPids[1];
        int booted = server.WorkerPids.Count;
        Posix.Kill(victim, Posix.SIGKILL);
        await Eventually.UntilAsync(() => Calls().Any(c => c.Line.StartsWith($"child_exit pid={server.Pid} child={victim}")), "child_exit never ran");
        // child_exit is stuck: the Arbiter still answers a signal, and the surviving worker serves.
        server.Signal(Posix.SIGTTIN);
        await server.WaitForLineAsync(new Regex("Number of workers: 3"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal($"pid {survivor}", (await http.GetStringAsync($"http://127.0.0.1:{server.Port}/hello")).Trim());
        // The hooks after it wait their turn, as in Gunicorn's loop: no pre_fork, so no new worker, until it returns.
        Assert.Equal(booted, server.WorkerPids.Count);
        Assert.DoesNotContain(Calls().SkipWhile(c => !c.Line.StartsWith("child_exit")), c => c.Line.StartsWith("pre_fork"));
        File.WriteAllText(Path.Combine(_dir, "release"), "");
        await server.WaitForCountAsync(ServerProcess.ServingRegex(), 4);
        var arbiter = CallsOf(server.Pid);
        // Then the replacement's pre_fork and TTIN's hooks, in the order they were asked for.
        Assert.Equal(["nworkers_changed", "pre_fork", "pre_fork"], arbiter.SkipWhile(h => h != "child_exit").Skip(1).Take(3).Order());
    }
}
