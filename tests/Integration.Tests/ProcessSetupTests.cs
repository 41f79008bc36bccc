using System.Text.RegularExpressions;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>chdir, raw_env, umask, proc_name, user and group, read back from the kernel's view of the real processes.</summary>
public sealed class ProcessSetupTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ag-setup-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Workers_run_in_chdir_with_raw_env_the_umask_and_the_process_name()
    {
        await using var server = await ServerProcess.StartServingAsync(
            ["--workers", "1", "--chdir", _dir, "--env", "GREETING=hello world", "--env", "EMPTY=", "--umask", "027",
             "--name", "orders-api-production", Paths.Fragile], 1, output);
        foreach (int pid in new[] { server.Pid, server.WorkerPids[0] })
        {
            Assert.Equal(_dir, new DirectoryInfo($"/proc/{pid}/cwd").ResolveLinkTarget(returnFinalTarget: true)!.FullName);
            Assert.Equal("orders-api-prod", File.ReadAllText($"/proc/{pid}/comm").Trim());
            Assert.Matches(@"Umask:\s+0027", File.ReadAllText($"/proc/{pid}/status"));
        }
        var environment = File.ReadAllText($"/proc/{server.WorkerPids[0]}/environ").Split('\0');
        Assert.Contains("GREETING=hello world", environment);
        Assert.Contains("EMPTY=", environment);
    }

    [Fact]
    public async Task Worker_threads_spin_before_they_sleep_only_with_cores_to_spare_unless_the_operator_says()
    {
        // As many workers as cores (at least two): each would spin on CPU a sibling needs.
        string crowd = Math.Max(2, Environment.ProcessorCount).ToString();
        Assert.Equal("0", await SpinLimitOfAWorkerAsync(["--workers", crowd]));
        // A lone worker keeps the runtime's default (no value of ours).
        Assert.Equal("(unset)", await SpinLimitOfAWorkerAsync(["--workers", "1"]));
        // The runtime's own variable, given to the workers: theirs to apply, not overridden.
        Assert.Equal("(unset)", await SpinLimitOfAWorkerAsync(["--workers", crowd, "--env", "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=5"]));
    }

    private async Task<string> SpinLimitOfAWorkerAsync(string[] args)
    {
        await using var server = await ServerProcess.StartServingAsync([.. args, Paths.Fragile], int.Parse(args[1]), output);
        using var http = new HttpClient();
        return await http.GetStringAsync($"http://127.0.0.1:{server.Port}/appcontext?System.Threading.ThreadPool.UnfairSemaphoreSpinLimit");
    }

    [Fact]
    public async Task Workers_drop_to_the_configured_user_and_group()
    {
        var args = new[] { "--bind", "127.0.0.1:0", "--workers", "1", "--user", "nobody", "--group", "nogroup", Paths.Fragile };
        if (Environment.UserName != "root")
        {
            // Only root may change the workers' user: anyone else is told so at start.
            await using var refused = ServerProcess.Start(args, output);
            Assert.Equal(1, await refused.WaitForExitAsync());
            Assert.Contains(refused.Lines, l => l.Contains("needs the Arbiter to run as root"));
            return;
        }
        await using var server = await ServerProcess.StartServingAsync(args[2..], 1, output);
        var worker = File.ReadAllText($"/proc/{server.WorkerPids[0]}/status");
        Assert.Matches(@"Uid:\s+65534\s+65534\s+65534", worker);
        Assert.Matches(@"Gid:\s+65534\s+65534\s+65534", worker);
        Assert.Matches(@"Uid:\s+0\s", File.ReadAllText($"/proc/{server.Pid}/status"));
        // Having changed its user, the worker is undumpable: other processes of that user cannot read its environment.
        var peek = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", "cat", $"/proc/{server.WorkerPids[0]}/environ"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        await peek.WaitForExitAsync();
        Assert.NotEqual(0, peek.ExitCode);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal($"pid {server.WorkerPids[0]}", await http.GetStringAsync($"http://127.0.0.1:{server.Port}/"));
    }

    [Fact]
    public async Task Reload_mode_reloads_when_the_app_changes()
    {
        // A private copy of the app, so that the test can change it.
        var appDir = Path.Combine(_dir, "app");
        Directory.CreateDirectory(appDir);
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(Paths.Fragile)!)) File.Copy(file, Path.Combine(appDir, Path.GetFileName(file)));
        await using var server = await ServerProcess.StartServingAsync(["--workers", "1", "--reload", Path.Combine(appDir, "Fragile.dll")], 1, output);
        // A log file written next to the app is not a change to the app.
        File.AppendAllText(Path.Combine(appDir, "app.log"), "x");
        File.Copy(Path.Combine(appDir, "Fragile.dll"), Path.Combine(appDir, "Fragile.dll.new"));
        File.Move(Path.Combine(appDir, "Fragile.dll.new"), Path.Combine(appDir, "Fragile.dll"), overwrite: true);
        await server.WaitForLineAsync(new Regex(@"Reloading \(app files changed\): generation 2"));
        await server.WaitForLineAsync(new Regex("Reload complete: generation 2 serves with 1 workers"));
        Assert.Single(server.Lines, l => l.Contains("Reloading (app files changed)"));
    }
}
