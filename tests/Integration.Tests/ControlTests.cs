using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>The control socket and the ctl CLI against a real server: every command acts on the real process set.</summary>
public sealed class ControlTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _socket = Path.Combine(Path.GetTempPath(), $"ag-{Guid.NewGuid():N}.ctl");

    public void Dispose() => File.Delete(_socket);

    private Task<ServerProcess> StartAsync(int workers) =>
        ServerProcess.StartServingAsync(["--workers", workers.ToString(), "--control-socket", _socket, Paths.Fragile], workers, output);

    private Task<(int Code, JsonObject Answer)> CtlAsync(string command) => Ctl.RunAsync(_socket, command, output);

    private static List<int> Pids(JsonObject workers) => workers["workers"]!.AsArray().Select(w => (int)w!["pid"]!).Order().ToList();

    [Fact]
    public async Task Show_workers_lists_the_real_processes_and_add_remove_kill_change_them()
    {
        await using var server = await StartAsync(2);
        var (code, shown) = await CtlAsync("show workers");
        Assert.Equal(0, code);
        Assert.Equal(server.WorkerPids.Order(), Pids(shown));
        var first = shown["workers"]![0]!.AsObject();
        foreach (var field in new[] { "pid", "age", "generation", "uptime_s", "booted", "requests", "in_flight", "rss_bytes", "last_heartbeat_s" })
            Assert.True(first.ContainsKey(field), $"show workers lacks {field}");

        var (_, added) = await CtlAsync("worker add 1");
        int newcomer = (int)added["added"]![0]!;
        Assert.True(Posix.IsAlive(newcomer));
        Assert.Contains(newcomer, Pids((await CtlAsync("show workers")).Answer));

        var (_, removed) = await CtlAsync("worker remove 1");
        int gone = (int)removed["removed"]![0]!;
        Assert.False(Posix.IsAlive(gone));
        Assert.DoesNotContain(gone, Pids((await CtlAsync("show workers")).Answer));

        var victim = Pids((await CtlAsync("show workers")).Answer)[0];
        var (_, killed) = await CtlAsync($"worker kill {victim}");
        Assert.Equal(victim, (int)killed["killed"]!);
        int replacement = (int)killed["replacement"]!;
        Assert.False(Posix.IsAlive(victim));
        Assert.True(Posix.IsAlive(replacement));
        var now = Pids((await CtlAsync("show workers")).Answer);
        Assert.Equal(2, now.Count);
        Assert.Contains(replacement, now);
        Assert.Equal(now.Order(), now.Where(Posix.IsAlive).Order());

        var (failed, unknown) = await CtlAsync("worker kill 1");
        Assert.Equal(1, failed);
        Assert.Equal("no worker with pid 1", (string)unknown["error"]!);
    }

    [Fact]
    public async Task Show_stats_totals_requests_status_classes_and_latency_over_the_workers()
    {
        await using var server = await StartAsync(2);
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(10) };
        for (int i = 0; i < 40; i++) await http.GetStringAsync($"http://127.0.0.1:{server.Port}/");
        for (int i = 0; i < 2; i++) await http.GetAsync($"http://127.0.0.1:{server.Port}/hook-fails");
        // Figures travel with heartbeats: wait for them.
        var stats = await Eventually.UntilAsync(async () => (await CtlAsync("show stats")).Answer["stats"]!.AsObject(),
            s => (long)s["requests"]! >= 42, s => s.ToJsonString());
        Assert.Equal(42, (long)stats["requests"]!);
        Assert.Equal(40, (long)stats["status"]!["2xx"]!);
        Assert.Equal(2, (long)stats["status"]!["5xx"]!);
        Assert.True((double)stats["latency_ms"]!["p50"]! > 0);
        Assert.True((double)stats["latency_ms"]!["p99"]! >= (double)stats["latency_ms"]!["p50"]!);
        Assert.True((double)stats["rate_60s"]! > 0);
        var perWorker = stats["per_worker"]!.AsArray();
        Assert.Equal(server.WorkerPids.Order(), perWorker.Select(w => (int)w!["pid"]!).Order());
        Assert.Equal(42, perWorker.Sum(w => (long)w!["requests"]!));
    }

    [Fact]
    public async Task A_bad_command_gets_an_error_answer_and_the_connection_stays_usable()
    {
        await using var server = await StartAsync(1);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_socket));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(_socket));
        await using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream);
        await stream.WriteAsync("frobnicate\nworker kill x\nshow listeners\n"u8.ToArray());
        var first = JsonNode.Parse((await reader.ReadLineAsync())!)!;
        var second = JsonNode.Parse((await reader.ReadLineAsync())!)!;
        var third = JsonNode.Parse((await reader.ReadLineAsync())!)!;
        Assert.False((bool)first["ok"]!);
        Assert.StartsWith("unknown command 'frobnicate'", (string)first["error"]!);
        Assert.False((bool)second["ok"]!);
        Assert.Equal($"127.0.0.1:{server.Port}", (string)third["listeners"]![0]!);

        var (_, reloaded) = await CtlAsync("reload");
        Assert.Equal(2, (int)reloaded["reloaded"]!);
        var (_, shutdown) = await CtlAsync("shutdown quick");
        Assert.Equal("quick", (string)shutdown["shutdown"]!);
        Assert.Equal(0, await server.WaitForExitAsync());
        Assert.False(File.Exists(_socket));
    }
}
