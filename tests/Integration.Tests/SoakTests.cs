using System.Diagnostics;
using System.Text.Json.Nodes;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>The short version of bench/soak.py: two minutes of mixed load, with HUPs and a worker SIGKILL.</summary>
public sealed class SoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_minutes_of_mixed_load_with_reloads_and_a_killed_worker_lose_nothing_else()
    {
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Paths.Root };
        foreach (var arg in new[] { "bench/soak.py", "--minutes", "2", "--hup-every", "30", "--kill-every", "60" }) info.ArgumentList.Add(arg);
        using var soak = Process.Start(info)!;
        var stderr = soak.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        while (await soak.StandardOutput.ReadLineAsync() is { } line)
        {
            output.WriteLine(line);
            lines.Add(line);
        }
        await soak.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        output.WriteLine(await stderr);
        var summary = JsonNode.Parse(lines[^1])!.AsObject();
        Assert.Equal(0, (int)summary["unexplained_failures"]!);
        Assert.True((int)summary["killed_workers"]! >= 1);
        foreach (var kind in new[] { "keepalive", "new_connection", "upload", "slow_reader", "abort" })
            Assert.True((long?)summary["counts"]![kind] > 0, $"no {kind} request completed");
        Assert.Equal(0, soak.ExitCode);
    }
}
