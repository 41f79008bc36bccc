using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>The access and error logs of a real server, read back from their files.</summary>
public sealed class LoggingTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ag-logs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<string[]> LinesAsync(string path, int count)
    {
        return await Eventually.UntilAsync(async () => File.Exists(path) ? await File.ReadAllLinesAsync(path) : [],
            lines => lines.Length >= count, lines => $"{path} has {lines.Length} of {count} lines", interval: TimeSpan.FromMilliseconds(20));
    }

    [Fact]
    public async Task The_default_access_log_format_is_gunicorns_field_by_field()
    {
        var log = Path.Combine(_dir, "access.log");
        await using var server = await ServerProcess.StartServingAsync(["--workers", "1", "--access-logfile", log, Paths.Hello], 1, output);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{server.Port}/some/path?x=1&y=2");
        request.Headers.UserAgent.ParseAdd("test-agent/1.0");
        request.Headers.Referrer = new Uri("http://example.test/from");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("alice:secret"u8.ToArray()));
        (await http.SendAsync(request)).EnsureSuccessStatusCode();
        Assert.Equal(0, RunCurl("-sS", "-o", "/dev/null", "-I", $"http://127.0.0.1:{server.Port}/head"));

        var lines = await LinesAsync(log, 2);
        var match = Regex.Match(lines[0], @"^(\S+) (\S+) (\S+) \[(\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] ""([^""]*)"" (\d+) (\S+) ""([^""]*)"" ""([^""]*)""$");
        Assert.True(match.Success, lines[0]);
        Assert.Equal("127.0.0.1", match.Groups[1].Value);
        Assert.Equal("-", match.Groups[2].Value);
        Assert.Equal("alice", match.Groups[3].Value);
        Assert.True(DateTimeOffset.TryParseExact(match.Groups[4].Value, "dd/MMM/yyyy:HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.None, out var when) && Math.Abs((DateTimeOffset.Now - when).TotalMinutes) < 5, match.Groups[4].Value);
        Assert.Equal("GET /some/path?x=1&y=2 HTTP/1.1", match.Groups[5].Value);
        Assert.Equal("200", match.Groups[6].Value);
        Assert.Equal("13", match.Groups[7].Value);
        Assert.Equal("http://example.test/from", match.Groups[8].Value);
        Assert.Equal("test-agent/1.0", match.Groups[9].Value);
        // HEAD: no body bytes, "-" for b; curl's own agent; no referer.
        Assert.Matches(@"^127\.0\.0\.1 - - \[[^\]]+\] ""HEAD /head HTTP/1\.1"" 200 - ""-"" ""curl/[^""]+""$", lines[1]);
    }

    [Fact]
    public async Task A_custom_format_renders_every_kind_of_atom()
    {
        var log = Path.Combine(_dir, "access.log");
        const string format = "%(m)s|%(U)s|%(q)s|%(H)s|%(s)s|%(B)s|%(p)s|%({x-test}i)s|%({content-type}o)s|%({REQUEST_METHOD}e)s|%({missing}i)s|%(D)s|%(M)s|%(T)s|%(L)s|100%%";
        await using var server = await ServerProcess.StartServingAsync(["--workers", "1", "--access-logfile", log, "--access-logformat", format, Paths.Echo], 1, output);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{server.Port}/echo?a=b") { Content = new StringContent("hello") };
        request.Headers.Add("X-Test", "custom value");
        var body = await (await http.SendAsync(request)).Content.ReadAsStringAsync();

        var fields = (await LinesAsync(log, 1))[0].Split('|');
        Assert.Equal(["POST", "/echo", "a=b", "HTTP/1.1", "200", body.Length.ToString(), $"<{server.WorkerPids[0]}>", "custom value",
            "application/json", "POST", "-"], fields[..11]);
        Assert.True(long.Parse(fields[11]) > 0, "D is the time in microseconds");
        Assert.Equal(long.Parse(fields[11]) / 1000, long.Parse(fields[12]));
        Assert.Equal("0", fields[13]);
        Assert.Matches(@"^0\.\d{6}$", fields[14]);
        Assert.Equal("100%", fields[15]);
    }

    [Fact]
    public async Task Usr1_reopens_the_log_files_after_they_were_moved_away()
    {
        var access = Path.Combine(_dir, "access.log");
        var error = Path.Combine(_dir, "error.log");
        await using var server = ServerProcess.Start(["--bind", "127.0.0.1:0", "--workers", "1", "--access-logfile", access,
            "--error-logfile", error, "--capture-output", Paths.Fragile], output);
        var listening = await WaitInFileAsync(error, new Regex(@"Listening at: http://127\.0\.0\.1:(\d+)"));
        int port = int.Parse(listening.Groups[1].Value);
        await WaitInFileAsync(error, new Regex(@"\[INFO\] Serving on"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await http.GetStringAsync($"http://127.0.0.1:{port}/before");
        await LinesAsync(access, 1);

        File.Move(access, access + ".1");
        File.Move(error, error + ".1");
        server.Signal(Posix.SIGUSR1);
        await WaitInFileAsync(error, new Regex(@"\[INFO\] Reopened log files"));
        await http.GetStringAsync($"http://127.0.0.1:{port}/print");
        var after = await LinesAsync(access, 1);
        Assert.Contains("GET /print HTTP/1.1", after[0]);
        Assert.Contains("GET /before HTTP/1.1", File.ReadAllText(access + ".1"));
        Assert.DoesNotContain("/print", File.ReadAllText(access + ".1"));
        // capture_output: what the app printed is in the (new) error log.
        await WaitInFileAsync(error, new Regex(@"^stdout of \d+$", RegexOptions.Multiline));
        await WaitInFileAsync(error, new Regex(@"^stderr of \d+$", RegexOptions.Multiline));
        Assert.Contains("Handling signal: USR1", File.ReadAllText(error));
    }

    [Fact]
    public async Task Log_json_writes_one_json_object_per_line_with_the_pid()
    {
        await using var server = ServerProcess.Start(["--bind", "127.0.0.1:0", "--workers", "1", "--log-json", Paths.Hello], output);
        // Both the Arbiter and the worker log the worker's boot, each line with its own process's id.
        var booting = await server.WaitForLineAsync(new Regex(@"Booting worker with pid: (\d+)"));
        int worker = int.Parse(booting.Groups[1].Value);
        await Eventually.UntilAsync(() => server.Lines.Count(l => l.Contains("Booting worker")) == 2, "both processes logged the worker's boot");
        var lines = server.Lines.Where(l => l.Contains("Booting worker")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(lines, json =>
        {
            Assert.Equal("Information", json.GetProperty("Level").GetString());
            Assert.Equal($"Booting worker with pid: {worker}", json.GetProperty("RenderedMessage").GetString());
            Assert.NotEqual(default, json.GetProperty("Timestamp").GetDateTimeOffset());
        });
        Assert.Equal([server.Pid, worker], lines.Select(json => json.GetProperty("Properties").GetProperty("ProcessId").GetInt32()).Order());
    }

    [Fact]
    public async Task Akkas_log_events_keep_their_arguments_and_their_source()
    {
        await using var server = ServerProcess.Start(["--bind", "127.0.0.1:0", "--workers", "1", "--log-json", Paths.Hello], output);
        int port = int.Parse((await server.WaitForLineAsync(new Regex(@"""Url"":""http://127\.0\.0\.1:(\d+)"""))).Groups[1].Value);
        await server.WaitForLineAsync(new Regex("Serving on"));
        // A TLS handshake on the plain port: the parser stage logs it through Akka's stage log.
        using (var client = new RawClient(port))
        {
            await client.SendAsync([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03]);
            Assert.StartsWith("HTTP/1.1 400", System.Text.Encoding.ASCII.GetString(await client.ReadToEndAsync()));
        }
        var line = await server.WaitForLineAsync(new Regex("TLS handshake on a plain HTTP port"));
        var json = JsonDocument.Parse(server.Lines.First(l => l.Contains("TLS handshake on a plain HTTP port"))).RootElement;
        var properties = json.GetProperty("Properties");
        // The class that logged is the source (so per-source levels apply), and the client's address a property.
        Assert.Equal("AkkaGunicorn.Http.Stages.RequestParserStage+Logic", properties.GetProperty("SourceContext").GetString());
        Assert.StartsWith("127.0.0.1:", properties.GetProperty("0").GetString());
        Assert.Equal("TLS handshake on a plain HTTP port from {0}: the client wants https; answered 400", json.GetProperty("MessageTemplate").GetString());
        Assert.True(line.Success);
    }

    /// <summary>
    /// Akka's own events follow loglevel in both processes: at debug, each process's remoting says where it listens
    /// (Akka's information is the server's debug). The Arbiter's level once lost to the remoting defaults' warning.
    /// </summary>
    [Fact]
    public async Task Akkas_own_events_follow_loglevel_in_the_arbiter_and_the_worker()
    {
        await using var server = ServerProcess.Start(["--bind", "127.0.0.1:0", "--workers", "1", "--log-level", "debug", "--log-json", Paths.Hello], output);
        await server.WaitForLineAsync(new Regex("Serving on"));
        foreach (var system in new[] { "arbiter", "worker" })
        {
            var line = await server.WaitForLineAsync(new Regex($@"^{{.*""Remoting started; listening on addresses.*""SourceContext"":""remoting \(akka://{system}\)"".*$"));
            var json = JsonDocument.Parse(line.Value).RootElement;
            Assert.Equal("Debug", json.GetProperty("Level").GetString());
        }
    }

    private static async Task<Match> WaitInFileAsync(string path, Regex pattern)
    {
        return await Eventually.UntilAsync(async () => pattern.Match(File.Exists(path) ? await File.ReadAllTextAsync(path) : ""),
            match => match.Success, _ => $"/{pattern}/ did not appear in {path}", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(20));
    }

    private static int RunCurl(params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args.Prepend("10").Prepend("--max-time")) info.ArgumentList.Add(arg);
        using var process = System.Diagnostics.Process.Start(info)!;
        process.WaitForExit(30_000);
        return process.ExitCode;
    }

    /// <summary>
    /// The lines of a rolling file (its name carries the day) once both the Arbiter's and the worker's have arrived,
    /// the Arbiter's saying it booted the worker.
    /// </summary>
    private static async Task<string[]> RolledLinesOfBothAsync(ServerProcess server, string rolled)
    {
        int worker = server.WorkerPids.Single();
        await LinesAsync(rolled, 1);
        var lines = await Eventually.UntilAsync(() => File.ReadAllLinesAsync(rolled), all => all.Any(l => l.StartsWith($"INF [{worker}] ")),
            all => string.Join("\n", all), interval: TimeSpan.FromMilliseconds(50));
        Assert.Contains(lines, l => l.StartsWith($"INF [{server.Pid}] Booting worker with pid: {worker}"));
        return lines;
    }

    [Fact]
    public async Task A_serilog_json_configuration_adds_a_rolling_file_and_levels_per_source()
    {
        var config = Path.Combine(_dir, "logging.json");
        var file = Path.Combine(_dir, "server-.log");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            Serilog = new
            {
                // Akka's own chatter quieter than the server's lines.
                MinimumLevel = new { Default = "Information", Override = new Dictionary<string, string> { ["Akka"] = "Warning" } },
                WriteTo = new object[] { new { Name = "File", Args = new { path = file, rollingInterval = "Day", outputTemplate = "{Level:u3} [{ProcessId}] {Message:lj}{NewLine}" } } },
            },
        }));
        await using var server = await ServerProcess.StartServingAsync(["--workers", "1", "--log-config-json", config, Paths.Hello], 1, output);
        // The rolling file carries the day in its name; both the Arbiter's lines and the worker's arrive there.
        var lines = await RolledLinesOfBothAsync(server, Path.Combine(_dir, $"server-{DateTime.Now:yyyyMMdd}.log"));
        int worker = server.WorkerPids.Single();
        // The error log on stderr goes on as before.
        Assert.Contains(server.Lines, l => l.Contains($"[{server.Pid}] [INFO] Booting worker with pid: {worker}"));
    }

    [Fact]
    public async Task A_serilog_configuration_written_in_hocon_adds_a_rolling_file_and_levels_per_source()
    {
        var file = Path.Combine(_dir, "hocon-.log");
        var config = Path.Combine(_dir, "server.hocon");
        // Keys with dots are quoted in HOCON; the file sink's path and template are plain strings.
        await File.WriteAllTextAsync(config, $$"""
            logging {
              MinimumLevel { Default = Information, Override { "Akka.Remote" = Warning, Akka = Warning } }
              WriteTo = [{ Name = File, Args { path = "{{file}}", rollingInterval = Day, outputTemplate = "{Level:u3} [{ProcessId}] {Message:lj}{NewLine}" } }]
            }
            """);
        await using var server = await ServerProcess.StartServingAsync(["--workers", "1", "-c", config, Paths.Hello], 1, output);
        // The worker received the block through the Arbiter's rendering of the settings, and configured the same file.
        var lines = await RolledLinesOfBothAsync(server, Path.Combine(_dir, $"hocon-{DateTime.Now:yyyyMMdd}.log"));
        Assert.DoesNotContain(lines, l => l.StartsWith("DBG "));
    }

    [Theory]
    [InlineData("{\"WriteTo\": [{\"Name\": \"NoSuchSink\"}]}", "Error: setting 'logging' = '{WriteTo:0:Name = NoSuchSink}': ")]
    [InlineData("{\"MinimumLevel\": ", "Error: setting 'logging' = '{\"MinimumLevel\": ': expected a JSON object")]
    [InlineData("{\"MinimumLevel\": \"Loud\"}", "Error: setting 'logging' = '{MinimumLevel = Loud}': ")]
    public async Task A_serilog_configuration_on_the_command_line_that_cannot_work_stops_the_start_naming_the_setting(string json, string error)
    {
        await using var server = ServerProcess.Start(["--bind", "127.0.0.1:0", "--logging", json, Paths.Hello], output);
        Assert.Equal(1, await server.WaitForExitAsync());
        Assert.Contains(server.Lines, l => l.StartsWith(error));
    }

    [Theory]
    [InlineData("{ \"Logging\": {} }", "it has no \"Serilog\" section")]
    [InlineData("{ not json", "")]
    [InlineData("{ \"Serilog\": { \"WriteTo\": [ { \"Name\": \"NoSuchSink\" } ] } }", "")]
    public async Task A_serilog_json_configuration_that_cannot_work_stops_the_start_naming_the_setting(string json, string why)
    {
        var config = Path.Combine(_dir, "bad.json");
        await File.WriteAllTextAsync(config, json);
        await using var server = ServerProcess.Start(["--bind", "127.0.0.1:0", "--log-config-json", config, Paths.Hello], output);
        Assert.Equal(1, await server.WaitForExitAsync());
        Assert.Contains(server.Lines, l => l.StartsWith($"Error: setting 'logconfig_json' = '{config}': ") && l.Contains(why));
    }
}
