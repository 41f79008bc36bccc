using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>statsd packets and syslog messages from a real server, received on a local UDP socket: Gunicorn's names, types and tags.</summary>
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

    [Fact]
    public async Task Syslog_gets_the_access_log_too_unless_the_redirect_is_disabled()
    {
        _statsd.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)_statsd.LocalEndPoint!).Port;
        // No accesslog at all: with syslog on, Gunicorn sends access lines there anyway.
        await using (var server = await ServerProcess.StartServingAsync(["--workers", "1", "--log-syslog", "--log-syslog-to", $"udp://127.0.0.1:{port}",
            "--log-syslog-prefix", "shop", Paths.Fragile], 1, output))
        {
            int worker = server.WorkerPids.Single();
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            await http.GetStringAsync($"http://127.0.0.1:{server.Port}/?to=syslog");
            // user is facility 1: info is <14>.
            await ReceiveUntil(m => m.Any(x => Regex.IsMatch(x, $@"^<14>akkagunicorn\.shop\.access: \[{worker}\] 127\.0\.0\.1 - - \[[^\]]+\] ""GET /\?to=syslog HTTP/1\.1"" 200 ")));
        }
        _metrics.Clear();

        var log = Path.Combine(Path.GetTempPath(), $"ag-access-{Guid.NewGuid():N}.log");
        try
        {
            await using var quiet = await ServerProcess.StartServingAsync(["--workers", "1", "--log-syslog", "--log-syslog-to", $"udp://127.0.0.1:{port}",
                "--log-syslog-prefix", "quiet", "--disable-redirect-access-to-syslog", "--access-logfile", log, Paths.Fragile], 1, output);
            int worker = quiet.WorkerPids.Single();
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            await http.GetStringAsync($"http://127.0.0.1:{quiet.Port}/?to=file");
            // The access log sends to syslog before it writes the file: once the line is in the file, a datagram would have gone.
            await Eventually.UntilAsync(async () => File.Exists(log) && (await File.ReadAllTextAsync(log)).Contains("GET /?to=file"),
                "the access line never reached the file", interval: TimeSpan.FromMilliseconds(20));
            Posix.Kill(worker, Posix.SIGUSR1);
            await ReceiveUntil(m => m.Any(x => x.StartsWith($"<14>akkagunicorn.quiet.error: [{worker}] [INFO] Reopened log files")));
            Assert.DoesNotContain(_metrics, m => m.Contains(".access:"));
        }
        finally
        {
            File.Delete(log);
        }
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

    [Fact]
    public async Task Syslog_gets_the_error_log_of_the_arbiter_and_its_workers_tagged_as_gunicorn_tags_it()
    {
        _statsd.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)_statsd.LocalEndPoint!).Port;
        await using var server = await ServerProcess.StartServingAsync(["--workers", "1", "--log-syslog", "--log-syslog-to", $"udp://127.0.0.1:{port}",
            "--log-syslog-facility", "local3", "--log-syslog-prefix", "shop", Paths.Fragile], 1, output);
        server.Signal(Posix.SIGTTOU); // TTOU with one worker: refused, with a warning
        int worker = server.WorkerPids.Single();
        // local3 is facility 19: <158> is info (19 × 8 + 6), <156> a warning.
        await ReceiveUntil(m => m.Any(x => x.StartsWith($"<158>akkagunicorn.shop.error: [{server.Pid}] [INFO] Booting worker with pid: {worker}")));
        await ReceiveUntil(m => m.Any(x => x.StartsWith($"<158>akkagunicorn.shop.error: [{worker}] [INFO] ")));
        await ReceiveUntil(m => m.Any(x => x.StartsWith($"<156>akkagunicorn.shop.error: [{server.Pid}] [WARNING] ")));
        output.WriteLine(string.Join("\n", _metrics));
    }
}
