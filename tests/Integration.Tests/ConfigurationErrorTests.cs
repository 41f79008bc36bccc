using AkkaGunicorn.Integration.Tests.Support;
using Xunit;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>A bad configuration or app gets one clear line, a non-zero exit, and nothing bound or started.</summary>
public sealed class ConfigurationErrorTests
{
    public static TheoryData<string, string[], int, string> Cases => new()
    {
        { "unknown key in the file", ["-c", "{file}"], 1, "setting 'wokers' = '2': unknown setting" },
        { "wrong type", ["--workers", "two"], 1, "setting 'workers' = 'two': expected a whole number from 1 to 1024 or 'auto'" },
        { "out of range", ["--workers", "0"], 1, "setting 'workers' = '0': expected a whole number from 1 to 1024 or 'auto'" },
        { "bad choice", ["--header-map", "maybe"], 1, "setting 'header_map' = 'maybe': expected one of: drop, refuse, dangerous" },
        { "bad bind", ["--bind", "127.0.0.1:99999"], 1, "setting 'bind' = '127.0.0.1:99999': the port must be a number from 0 to 65535" },
        { "unknown flag", ["--wrokers", "2"], 1, "unknown option --wrokers; did you mean --workers?" },
        { "unknown flag, nothing like it", ["--frobnicate-everything", "2"], 1, "unknown option --frobnicate-everything; see --help" },
        { "bad syslog address", ["--log-syslog", "--log-syslog-to", "syslog.example:514"], 1, "setting 'syslog_addr' = 'syslog.example:514': expected udp://HOST:PORT or unix://PATH" },
        { "bad syslog facility", ["--log-syslog-facility", "local9"], 1, "setting 'syslog_facility' = 'local9': expected one of: kern, user," },
        { "bad umask", ["--umask", "9"], 1, "setting 'umask' = '9': expected an octal mask such as 022" },
        { "unknown access log atom", ["--access-logformat", "%(h)s %(x)s"], 1, "setting 'access_log_format' = '%(h)s %(x)s': unknown atom %(x)s" },
        { "bad statsd host", ["--statsd-host", "metrics.example"], 1, "setting 'statsd_host' = 'metrics.example': expected HOST:PORT" },
        { "unknown protocol", ["--http-protocols", "h3,h1"], 1, "setting 'http_protocols' = 'h3,h1': 'h3' is not a protocol; expected h1 and/or h2" },
        { "frame size below HTTP/2's floor", ["--http2-max-frame-size", "1000"], 1, "setting 'http2_max_frame_size' = '1000': expected a whole number from 16384 to 16777215" },
        { "bad reload strategy", ["--reload-strategy", "bluegreen"], 1, "setting 'reload_strategy' = 'bluegreen': expected one of: generation, rolling" },
        { "unwritable error log", ["--error-logfile", "/nonexistent/dir/error.log"], 1, "setting 'errorlog' = '/nonexistent/dir/error.log': cannot open log file" },
        { "env without a value", ["--env", "NOEQUALS"], 1, "setting 'raw_env' = 'NOEQUALS': expected KEY=VALUE" },
        { "missing chdir", ["--chdir", "/nonexistent/dir"], 1, "setting 'chdir' = '/nonexistent/dir': no such directory" },
        { "unknown user", ["--user", "no-such-user-here"], 1, "setting 'user' = 'no-such-user-here': no such user" },
        { "unknown group", ["--group", "no-such-group-here"], 1, "setting 'group' = 'no-such-group-here': no such group" },
        { "cluster without mutual TLS", ["--cluster", "--cluster-bind", "127.0.0.1:4053"], 1, "setting 'cluster.certfile' = '': cluster.enabled needs mutual TLS" },
        { "cluster certificate missing", ["--cluster", "--cluster-certfile", "/nonexistent/node.pem", "--cluster-ca-certs", "/nonexistent/ca.pem"], 1, "setting 'cluster.certfile' = '/nonexistent/node.pem': no such file" },
        { "bad cluster seed", ["--cluster-seed-node", "10.0.0.5"], 1, "setting 'cluster.seed_nodes' = '10.0.0.5': expected HOST:PORT" },
        { "bad cluster key in the file", ["-c", "{cluster-file}"], 1, "setting 'cluster.down_after' = 'soon': expected a whole number from 1 to 3600" },
        { "unknown split brain strategy", ["--cluster-split-brain-resolver", "keep-youngest"], 1, "setting 'cluster.split_brain_resolver' = 'keep-youngest': expected one of: keep-majority, keep-oldest, down-all" },
        { "missing app", ["/nonexistent/App.dll"], 4, "app: '/nonexistent/App.dll' does not exist" },
        { "type that is not an app", ["{echo}:System.Object"], 4, "type 'System.Object' not found" },
        { "type that does not implement the interface", ["{echo}:Echo.NotThere"], 4, "type 'Echo.NotThere' not found in" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Is_refused(string what, string[] args, int exitCode, string message)
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "wokers = 2\n");
        var clusterFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(clusterFile, "cluster {\n  enabled = false\n  down_after = soon\n}\n");
        var real = args.Select(a => a.Replace("{file}", file).Replace("{cluster-file}", clusterFile).Replace("{echo}", Paths.Echo)).ToList();
        if (!real.Any(a => a.EndsWith(".dll") || a.Contains(".dll:"))) real.Add(Paths.Hello);
        await using var server = ServerProcess.Start(["--bind", "127.0.0.1:0", .. real]);
        Assert.Equal(exitCode, await server.WaitForExitAsync());
        var log = string.Join("\n", server.Lines);
        Assert.True(log.Contains(message), $"{what}: expected '{message}' in:\n{log}");
        Assert.DoesNotContain("Listening at", log);
        Assert.DoesNotContain("Booting worker", log);
        File.Delete(file);
        File.Delete(clusterFile);
    }

    [Fact]
    public async Task Check_config_validates_settings_and_app()
    {
        await using (var ok = ServerProcess.Start(["--check-config", "--workers", "3", Paths.Hello]))
        {
            Assert.Equal(0, await ok.WaitForExitAsync());
            Assert.Contains(ok.Lines, l => l.StartsWith("Configuration OK"));
        }
        await using (var bad = ServerProcess.Start(["--check-config", "/nonexistent/App.dll"]))
        {
            Assert.Equal(1, await bad.WaitForExitAsync());
            Assert.Contains(bad.Lines, l => l.Contains("does not exist"));
        }
    }

    [Fact]
    public async Task Print_config_prints_the_effective_settings_as_hocon()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "workers = 5\nkeepalive = 7\n");
        await using var server = ServerProcess.Start(["-c", file, "--print-config", "--workers", "3", Paths.Hello]);
        Assert.Equal(0, await server.WaitForExitAsync());
        Assert.Contains("workers = 3", server.Lines);
        Assert.Contains("keepalive = 7", server.Lines);
        await using var auto = ServerProcess.Start(["--print-config", "--workers", "auto", Paths.Hello]);
        Assert.Equal(0, await auto.WaitForExitAsync());
        Assert.Contains($"workers = {2 * Environment.ProcessorCount + 1}", auto.Lines);
        Assert.Contains("bind = [\"127.0.0.1:8000\"]", server.Lines);
        File.Delete(file);
    }

    [Fact]
    public async Task A_port_in_use_is_refused_not_shared()
    {
        await using var first = await ServerProcess.StartServingAsync(Paths.Hello, workers: 1);
        await using var second = ServerProcess.Start(["--bind", $"127.0.0.1:{first.Port}", Paths.Hello]);
        Assert.Equal(1, await second.WaitForExitAsync());
        Assert.Contains(second.Lines, l => l.Contains($"cannot listen on 127.0.0.1:{first.Port}"));
    }

    [Fact]
    public async Task A_worker_that_cannot_construct_the_app_stops_the_server_with_exit_code_4()
    {
        // The Arbiter's own check finds the type; only a worker constructing it sees it fail.
        var breakFile = Path.GetTempFileName();
        try
        {
            await using var server = ServerProcess.Start(["--bind", "127.0.0.1:0", "--workers", "2", Paths.Fragile], environment:
                new Dictionary<string, string> { ["FRAGILE_BREAK_FILE"] = breakFile });
            Assert.Equal(4, await server.WaitForExitAsync());
            Assert.Contains(server.Lines, l => l.Contains("constructor threw InvalidOperationException: Fragile is broken"));
            Assert.Contains(server.Lines, l => l.Contains("App failed to load in worker"));
            Assert.Equal(1, server.Lines.Count(l => l.Contains("Quick stop")));
        }
        finally
        {
            File.Delete(breakFile);
        }
    }
}
