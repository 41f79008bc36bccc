using System.Globalization;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>reuse_port: each worker listens on a socket of its own in one SO_REUSEPORT group, and the kernel spreads connections.</summary>
public sealed class ReusePortTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Each_worker_listens_on_its_own_socket_and_all_of_them_serve()
    {
        await using var server = await ServerProcess.StartServingAsync(["--workers", "2", "--reuse-port", Paths.Fragile], 2, output);
        // Two listening sockets on the port, the workers'; the Arbiter's is bound but does not listen.
        Assert.Equal(2, ListeningSockets(server.Port));
        await using (var load = SteadyLoad.Start(server.Port, clients: 16))
        {
            await load.WaitForMoreSuccessesAsync(2000);
            output.WriteLine(string.Join(", ", load.Bodies.Select(kv => $"{kv.Key}: {kv.Value}")));
            Assert.Equal(0, load.Failures);
            Assert.Equal(server.WorkerPids.Select(p => $"pid {p}").Order(), load.Bodies.Keys.Order());
        }
        server.Signal(Posix.SIGTERM);
        Assert.Equal(0, await server.WaitForExitAsync());
    }

    private static int ListeningSockets(int port) => File.ReadAllLines("/proc/net/tcp").Skip(1)
        .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .Count(f => f[3] == "0A" && int.Parse(f[1].Split(':')[1], NumberStyles.HexNumber) == port);
}
