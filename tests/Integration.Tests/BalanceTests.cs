using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>Requests spread evenly over the workers, instead of piling onto whichever wins the accept race.</summary>
public sealed class BalanceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Under_steady_load_no_worker_serves_more_than_one_and_a_half_times_its_share()
    {
        const int workers = 2;
        await using var server = await ServerProcess.StartServingAsync(Paths.Fragile, workers, output);
        await using var load = SteadyLoad.Start(server.Port, clients: 8);
        await load.WaitForMoreSuccessesAsync(8000);
        var shares = load.Bodies.ToDictionary(kv => kv.Key, kv => kv.Value);
        long total = shares.Values.Sum();
        output.WriteLine(string.Join(", ", shares.Select(kv => $"{kv.Key}: {kv.Value} ({100.0 * kv.Value / total:F1}%)")));
        Assert.Equal(0, load.Failures);
        Assert.Equal(workers, shares.Count);
        Assert.All(shares.Values, served => Assert.True(served <= 1.5 * total / workers,
            $"a worker served {served} of {total} requests, more than 1.5/{workers}"));
    }
}
