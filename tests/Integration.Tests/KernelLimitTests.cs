using System.Text.RegularExpressions;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>At start the Arbiter says what the kernel's limits cost the configuration.</summary>
public sealed class KernelLimitTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_capped_backlog_and_a_short_file_limit_are_reported()
    {
        long somaxconn = long.Parse(File.ReadAllText("/proc/sys/net/core/somaxconn").Trim());
        Assert.True(somaxconn < 65535, "this test needs net.core.somaxconn below 65535");
        // The soft limit (200) is raised to the hard one (512) before the check: .NET's runtime does it at start too.
        await using var server = ServerProcess.StartWrapped("ulimit -Sn 200 && ulimit -Hn 512",
            ["--bind", "127.0.0.1:0", "--workers", "2", "--worker-connections", "1000", "--backlog", "65535", Paths.Hello], output);
        try
        {
            await server.WaitForLineAsync(new Regex($@"\[WARNING\] backlog 65535 is capped at {somaxconn} by net\.core\.somaxconn"));
            await server.WaitForLineAsync(new Regex(@"\[WARNING\] workers \(2\) x worker_connections \(1000\) plus a margin needs 2128 open files, more than the limit 512"));
            await server.WaitForCountAsync(ServerProcess.ServingRegex(), 2);
            server.Signal(Posix.SIGTERM);
            Assert.Equal(0, await server.WaitForExitAsync());
        }
        finally
        {
            foreach (var pid in server.WorkerPids) Posix.Kill(pid, Posix.SIGKILL);
        }
    }
}
