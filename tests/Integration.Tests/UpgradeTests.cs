using System.Text.RegularExpressions;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>USR2: a new Arbiter on the same sockets; WINCH and TERM retire the old one; no request fails throughout.</summary>
public sealed class UpgradeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Usr2_then_winch_and_term_hand_over_under_load_without_failing_a_request()
    {
        var pidfile = Path.Combine(Path.GetTempPath(), $"ag-{Guid.NewGuid():N}.pid");
        var control = Path.Combine(Path.GetTempPath(), $"ag-{Guid.NewGuid():N}.ctl");
        await using var server = await ServerProcess.StartServingAsync(Paths.Hello, workers: 2, output, "--pidfile", pidfile, "--control-socket", control);
        int old = server.Pid, successor = 0;
        await using var load = SteadyLoad.Start(server.Port, clients: 6);
        try
        {
            await load.WaitForMoreSuccessesAsync(300);
            server.Signal(Posix.SIGUSR2);
            successor = int.Parse((await server.WaitForLineAsync(new Regex(@"started a new Arbiter \(pid (\d+)\)"))).Groups[1].Value);
            await server.WaitForLineAsync(new Regex($@"\[{successor}\] \[INFO\] Listening at: http://127\.0\.0\.1:{server.Port} \({successor}, inherited from the upgraded Arbiter\)"));
            // Old and new serve side by side: two workers each.
            await server.WaitForCountAsync(ServerProcess.ServingRegex(), 4);
            Assert.Equal(successor.ToString(), File.ReadAllText(pidfile).Trim());
            Assert.Equal(old.ToString(), File.ReadAllText(pidfile + ".oldbin").Trim());
            await load.WaitForMoreSuccessesAsync(300);

            server.Signal(Posix.SIGWINCH);
            await server.WaitForCountAsync(server.WorkerExitedRegex(), 2);
            await load.WaitForMoreSuccessesAsync(300);
            server.Signal(Posix.SIGTERM);
            await server.WaitForLineAsync(new Regex($@"\[{old}\] \[INFO\] Master exiting with code 0"));
            Assert.True(await Posix.WaitGoneAsync(old, TimeSpan.FromSeconds(30)));
            await load.WaitForMoreSuccessesAsync(300);

            output.WriteLine($"{load.Successes} requests, {load.Closes} closed by draining workers, {load.Failures} failed: {string.Join("; ", load.Errors.Take(5))}");
            Assert.Equal(0, load.Failures);
            Assert.False(File.Exists(pidfile + ".oldbin"));
            Assert.Equal(successor.ToString(), File.ReadAllText(pidfile).Trim());
            // The control socket went over to the successor with the rest, and the old Arbiter left it in place.
            Assert.Equal(successor, (int)(await Ctl.RunAsync(control, "show all", output)).Answer["arbiter"]!["pid"]!);
        }
        finally
        {
            if (successor != 0)
            {
                Posix.Kill(successor, Posix.SIGTERM);
                if (!await Posix.WaitGoneAsync(successor, TimeSpan.FromSeconds(30))) Posix.Kill(successor, Posix.SIGKILL);
            }
            File.Delete(pidfile);
            File.Delete(control);
        }
    }

    [Fact]
    public async Task A_successor_that_fails_to_start_gives_the_pidfile_back()
    {
        var pidfile = Path.Combine(Path.GetTempPath(), $"ag-{Guid.NewGuid():N}.pid");
        var config = Path.Combine(Path.GetTempPath(), $"ag-{Guid.NewGuid():N}.hocon");
        File.WriteAllText(config, "workers = 1\n");
        try
        {
            await using var server = await ServerProcess.StartServingAsync(["-c", config, "--pidfile", pidfile, Paths.Hello], 1, output);
            // The successor reads the configuration afresh: a broken one makes it exit at once.
            File.WriteAllText(config, "workers = none\n");
            server.Signal(Posix.SIGUSR2);
            await server.WaitForLineAsync(new Regex(@"The new Arbiter \(pid \d+\) exited with code 1"));
            Assert.Equal(server.Pid.ToString(), File.ReadAllText(pidfile).Trim());
            Assert.False(File.Exists(pidfile + ".oldbin"));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            Assert.Equal("Hello, World!", await http.GetStringAsync($"http://127.0.0.1:{server.Port}/"));
        }
        finally
        {
            File.Delete(pidfile);
            File.Delete(config);
        }
    }
}
