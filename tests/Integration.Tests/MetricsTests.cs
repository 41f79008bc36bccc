using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>statsd packets from a real server, received on a local UDP socket: Gunicorn's names and types.</summary>
public sealed class MetricsTests(ITestOutputHelper output) : IDisposable
{
    private readonly Socket _statsd = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly List<string> _metrics = [];

    public void Dispose() => _statsd.Dispose();

    [Fact]
    public async Task Statsd_gets_gunicorns_metrics_with_the_prefix_and_dogstatsd_tags()
    {
        _statsd.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)_statsd.LocalEndPoint!).Port;
        await using var server = await ServerProcess.StartServingAsync(["--workers", "1", "--statsd-host", $"127.0.0.1:{port}",
            "--statsd-prefix", "shop.", "--dogstatsd-tags", "env:test,team:web", Paths.Fragile], 1, output);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        for (int i = 0; i < 3; i++) await http.GetStringAsync($"http://127.0.0.1:{server.Port}/");
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, (await http.GetAsync($"http://127.0.0.1:{server.Port}/hook-fails")).StatusCode);
        server.Signal(Posix.SIGTTOU); // TTOU with one worker: refused, with a warning

        await ReceiveUntil(m => m.Count(x => x == "shop.gunicorn.requests:1|c|#env:test,team:web") >= 4);
        await ReceiveUntil(m => m.Contains("shop.gunicorn.request.status.500:1|c|#env:test,team:web"));
        await ReceiveUntil(m => m.Contains("shop.gunicorn.log.warning:1|c|#env:test,team:web"));
        await ReceiveUntil(m => m.Contains("shop.gunicorn.log.exception:1|c|#env:test,team:web"));
        output.WriteLine(string.Join("\n", _metrics));
        Assert.Equal(3, _metrics.Count(m => m == "shop.gunicorn.request.status.200:1|c|#env:test,team:web"));
        Assert.Equal(4, _metrics.Count(m => Regex.IsMatch(m, @"^shop\.gunicorn\.request\.duration:\d+(\.\d+)?\|ms\|#env:test,team:web$")));
        Assert.Contains("shop.gunicorn.workers:1|g|#env:test,team:web", _metrics);
        Assert.Contains("shop.gunicorn.log.error:1|c|#env:test,team:web", _metrics);
    }

    private async Task ReceiveUntil(Func<List<string>, bool> done)
    {
        var buffer = new byte[65536];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!done(_metrics))
        {
            int n = await _statsd.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            _metrics.AddRange(Encoding.ASCII.GetString(buffer, 0, n).Split('\n'));
        }
    }
}
