using System.Diagnostics;
using System.Text.RegularExpressions;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>
/// Another local user (created by the tests) attacks a server running as root, on every channel the server opens:
/// its Akka.Remote sockets and its workers', the control socket, the pidfile and the control socket's path in a shared
/// directory. Nothing it tries may change, stop or read the server.
/// </summary>
public sealed partial class ControlPlaneSecurityTests(SecondUser intruder, ITestOutputHelper output) : IClassFixture<SecondUser>
{
    private void RequireIntruder() => Skip.If(intruder.Unavailable is not null, intruder.Unavailable);

    [SkippableFact]
    public async Task Another_user_cannot_steer_stop_or_read_the_server_over_remoting()
    {
        RequireIntruder();
        await using var server = await ServerProcess.StartServingAsync(Paths.Fragile, workers: 2, output);
        var workers = server.WorkerPids.ToList();
        var processes = new[] { server.Pid }.Concat(workers).ToList();
        // No TCP port but the one it serves: remoting is on abstract Unix sockets, one per process, which every local
        // user can see in /proc/net/unix and connect to.
        Assert.All(processes, pid => Assert.Equal([server.Port], ListeningPorts.Of(pid)));
        var sockets = processes.SelectMany(pid => ListeningPorts.AbstractSocketsOf(pid).Select(name => (Name: name, Pid: pid))).ToList();
        Assert.Equal(3, sockets.Count);
        Assert.All(sockets, s => Assert.StartsWith("akkagunicorn-", s.Name));

        using var copy = new IntruderCopy();
        var attack = await intruder.RunAsync("dotnet", [copy.Dll, "akka", .. sockets.Select(s => $"{s.Name["akkagunicorn-".Length..]}:{s.Pid}")]);
        output.WriteLine($"intruder: {attack.Output}{attack.Error}");
        Assert.Contains("DONE", attack.Output);
        Assert.DoesNotContain("ANSWERED", attack.Output);
        foreach (var (name, _) in sockets)
        {
            var garbage = await intruder.RunAsync("dotnet", copy.Dll, "garbage", name["akkagunicorn-".Length..], "150");
            Assert.Contains("DONE", garbage.Output);
            Assert.DoesNotContain("ANSWERED", garbage.Output);
        }

        // Same server, same workers, same generation, still serving.
        Assert.True(Posix.IsAlive(server.Pid));
        Assert.All(workers, pid => Assert.True(Posix.IsAlive(pid)));
        Assert.Equal(workers, server.WorkerPids);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.StartsWith("pid ", await http.GetStringAsync($"http://127.0.0.1:{server.Port}/"));
        var lines = server.Lines;
        Assert.DoesNotContain(lines, l => Regex.IsMatch(l, "Reload|Upgrade|stop:|WINCH|Killing|Number of workers|registration", RegexOptions.IgnoreCase));
        // The server noticed, and 450 bad connections cost a handful of one-line warnings, not a log flood.
        var remoting = lines.Where(l => l.Contains("Remoting:")).ToList();
        Assert.NotEmpty(remoting);
        Assert.True(remoting.Count <= 3 * 3 * 3, $"{remoting.Count} remoting lines:\n{string.Join("\n", remoting)}");
        Assert.DoesNotContain(lines, l => l.Contains("   at "));
    }

    [SkippableFact]
    public async Task Another_user_cannot_reach_the_control_socket_in_its_private_directory()
    {
        RequireIntruder();
        await using var server = await ServerProcess.StartServingAsync(Paths.Hello, workers: 1, output);
        var path = (await server.WaitForLineAsync(ControlSocketRegex())).Groups[1].Value;
        // Default path: a directory only the server's user may enter, a socket only it may open.
        Assert.Equal(0b111_000_000, (int)File.GetUnixFileMode(Path.GetDirectoryName(path)!) & 0b111_111_111);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var tried = await intruder.RunAsync("python3", "-c", ConnectScript, path);
        output.WriteLine(tried.Output + tried.Error);
        Assert.StartsWith("REFUSED 13", tried.Output);
        Assert.True(Posix.IsAlive(server.Pid));
    }

    [SkippableFact]
    public async Task A_control_socket_path_held_by_another_user_stops_the_start_and_ctl_will_not_talk_to_it()
    {
        RequireIntruder();
        using var shared = new SharedDirectory();
        var path = shared.File("app.ctl");
        using var squatter = Process.Start(intruder.As("python3", "-c", ListenScript, path))!;
        try
        {
            Assert.Equal("LISTENING", await squatter.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
            await using (var server = ServerProcess.Start(["--bind", "127.0.0.1:0", "--control-socket", path, Paths.Hello], output))
            {
                Assert.Equal(1, await server.WaitForExitAsync());
                Assert.Contains(server.Lines, l => l.Contains($"setting 'control_socket' = '{path}'") && l.Contains($"belongs to uid {intruder.Uid}"));
            }
            var ctl = await RunAsync("dotnet", Paths.Server, "ctl", "-s", path, "shutdown");
            Assert.Equal(1, ctl.Code);
            Assert.Contains($"belongs to uid {intruder.Uid}", ctl.Error);
        }
        finally
        {
            squatter.Kill();
        }
        // The squatter never received a command.
        Assert.DoesNotContain("RECEIVED", await squatter.StandardOutput.ReadToEndAsync());
    }

    [SkippableFact]
    public async Task A_group_mode_still_shuts_out_users_outside_the_group()
    {
        RequireIntruder();
        using var shared = new SharedDirectory();
        var path = shared.File("grouped.ctl");
        await using var server = await ServerProcess.StartServingAsync(["--workers", "1", "--control-socket", path, "--control-socket-mode", "660", Paths.Hello], 1, output);
        await server.WaitForLineAsync(ControlSocketRegex());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(path));
        var tried = await intruder.RunAsync("python3", "-c", ConnectScript, path);
        Assert.StartsWith("REFUSED 13", tried.Output);
        Assert.Equal(0, (await RunAsync("dotnet", Paths.Server, "ctl", "-s", path, "show", "listeners")).Code);
    }

    [SkippableFact]
    public async Task A_planted_pidfile_link_or_another_users_pidfile_is_refused_and_a_stale_one_is_replaced()
    {
        RequireIntruder();
        using var shared = new SharedDirectory();
        // A root-only file the link points at: following the link would overwrite it with a pid.
        var victim = Path.Combine(Directory.CreateTempSubdirectory("ag-victim-").FullName, "secret");
        File.WriteAllText(victim, "do not touch\n");
        File.SetUnixFileMode(victim, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try
        {
            var linked = shared.File("linked.pid");
            Assert.Equal(0, (await intruder.RunAsync("ln", "-s", victim, linked)).Code);
            await using (var server = ServerProcess.Start(["--bind", "127.0.0.1:0", "--pidfile", linked, Paths.Hello], output))
            {
                Assert.Equal(1, await server.WaitForExitAsync());
                Assert.Contains(server.Lines, l => l.Contains("is a symbolic link"));
            }
            Assert.Equal("do not touch\n", File.ReadAllText(victim));

            var planted = shared.File("planted.pid");
            Assert.Equal(0, (await intruder.RunAsync("sh", "-c", $"echo 1 > {planted}")).Code);
            await using (var server = ServerProcess.Start(["--bind", "127.0.0.1:0", "--pidfile", planted, Paths.Hello], output))
            {
                Assert.Equal(1, await server.WaitForExitAsync());
                Assert.Contains(server.Lines, l => l.Contains($"belongs to uid {intruder.Uid}"));
            }

            // A stale file of our own naming a process that is no Arbiter (init): replaced, not obeyed.
            var stale = shared.File("stale.pid");
            File.WriteAllText(stale, "1\n");
            await using (var server = await ServerProcess.StartServingAsync(["--workers", "1", "--pidfile", stale, Paths.Hello], 1, output))
            {
                Assert.Equal(server.Pid.ToString(), File.ReadAllText(stale).Trim());
                Assert.Contains(server.Lines, l => l.Contains("Replacing the stale pidfile") && l.Contains("its pid 1 is not"));
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(victim)!, recursive: true);
        }
    }

    [Fact]
    public async Task Workers_get_no_secret_through_their_environment_and_the_load_board_has_no_name()
    {
        await using var server = await ServerProcess.StartServingAsync(Paths.Hello, workers: 1, output);
        // What the Arbiter adds to a worker's environment (which other processes of the worker's user may read) is
        // only this: the boot channel's descriptor, and the runtime's tuning. Secrets, settings and addresses travel in
        // the boot channel, a pipe only the worker holds (closed on exec, so nothing the app starts inherits it).
        string[] Names(int pid) => File.ReadAllText($"/proc/{pid}/environ").Split('\0').Select(e => e.Split('=')[0]).ToArray();
        var added = Names(server.WorkerPids[0]).Except(Names(server.Pid)).Order().ToList();
        Assert.Equal(["AKKAGUNICORN_BOOT_FD", "DOTNET_GCgen0size", "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "DOTNET_TC_CallCountThreshold", "DOTNET_TC_CallCountingDelayMs"], added);
        var arbiterFiles = new DirectoryInfo($"/proc/{server.Pid}/fd").EnumerateFileSystemInfos().Select(f => f.LinkTarget ?? "").ToList();
        Assert.Contains(arbiterFiles, t => t.StartsWith("/memfd:akkagunicorn-board"));
        Assert.DoesNotContain(arbiterFiles, t => t.StartsWith("/dev/shm/"));
    }

    [Fact]
    public async Task Scaling_up_stops_at_max_workers()
    {
        await using var server = await ServerProcess.StartServingAsync(["--workers", "2", "--max-workers", "3", Paths.Hello], 2, output);
        server.Signal(Posix.SIGTTIN);
        // Signals of one kind do not queue: send the next only once the first has been handled.
        await server.WaitForLineAsync(new Regex(@"Number of workers: 3"));
        server.Signal(Posix.SIGTTIN);
        await server.WaitForLineAsync(new Regex(@"TTIN refused: 4 workers would exceed max_workers \(3\)"));
        await server.WaitForCountAsync(new Regex($@"\[{server.Pid}\] \[INFO\] Booting worker with pid"), 3);
        Assert.Equal(3, server.WorkerPids.Count);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout, await stderr);
    }

    private const string ConnectScript = """
        import socket, sys
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(sys.argv[1])
            s.sendall(b"shutdown quick\n")
            print("ANSWER", s.recv(1000))
        except OSError as e:
            print("REFUSED", e.errno)
        """;

    private const string ListenScript = """
        import os, socket, sys
        s = socket.socket(socket.AF_UNIX)
        s.bind(sys.argv[1])
        os.chmod(sys.argv[1], 0o777)
        s.listen()
        print("LISTENING", flush=True)
        while True:
            c, _ = s.accept()
            print("RECEIVED", c.recv(1000), flush=True)
        """;

    [GeneratedRegex(@"Control socket: (\S+)")]
    private static partial Regex ControlSocketRegex();

    /// <summary>The intruder's build, copied where another user can read it (the checkout may sit in a private home).</summary>
    private sealed class IntruderCopy : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("ag-intruder-").FullName;

        public IntruderCopy()
        {
            var readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            File.SetUnixFileMode(_dir, readable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            foreach (var file in Directory.GetFiles(Path.GetDirectoryName(Paths.Intruder)!))
            {
                var copy = Path.Combine(_dir, Path.GetFileName(file));
                File.Copy(file, copy);
                File.SetUnixFileMode(copy, readable);
            }
        }

        public string Dll => Path.Combine(_dir, "Intruder.dll");

        public void Dispose() => Directory.Delete(_dir, recursive: true);
    }
}
