using System.Text.RegularExpressions;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>Recycling: a worker past its request quota or memory limit is replaced (replacement first) and no request fails.</summary>
public sealed class RecyclingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Max_requests_recycles_workers_without_failing_a_request()
    {
        await using var server = await ServerProcess.StartServingAsync(Paths.Echo, workers: 1, output, "--max-requests", "200", "--max-requests-jitter", "50");
        var exited = server.WorkerExitedRegex();
        // Busy keep-alive clients until two workers have been recycled; every request must be answered.
        await using (var load = SteadyLoad.Start(server.Port, clients: 4))
        {
            await server.WaitForCountAsync(exited, 2, TimeSpan.FromSeconds(60));
            await load.WaitForMoreSuccessesAsync(100);
            output.WriteLine($"{load.Successes} requests, {load.Closes} closed by a draining worker, {load.Failures} failed: {string.Join("; ", load.Errors.Take(5))}");
            Assert.Equal(0, load.Failures);
        }
        Assert.True(server.WorkerPids.Count >= 3, $"expected replacements, saw {server.WorkerPids.Count} workers");
        Assert.Contains(server.Lines, l => l.Contains("starting its replacement"));
    }

    [Fact]
    public async Task Max_worker_memory_recycles_a_worker_over_the_limit_without_failing_a_request()
    {
        // 1 MB: every worker is over it at its first heartbeat (every 0.5 s with a 2 s timeout).
        await using var server = await ServerProcess.StartServingAsync(Paths.Hello, workers: 1, output, "--max-worker-memory", "1", "--timeout", "2");
        await using (var load = SteadyLoad.Start(server.Port, clients: 4))
        {
            await server.WaitForCountAsync(server.WorkerExitedRegex(), 2, TimeSpan.FromSeconds(60));
            await load.WaitForMoreSuccessesAsync(100);
            output.WriteLine($"{load.Successes} requests, {load.Closes} closed by a draining worker, {load.Failures} failed: {string.Join("; ", load.Errors.Take(5))}");
            Assert.Equal(0, load.Failures);
        }
        Assert.Contains(server.Lines, l => Regex.IsMatch(l, @"Worker \(pid:\d+\) uses \d+ MB, more than max_worker_memory \(1 MB\): starting its replacement"));
    }

}
