using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests.Support;

/// <summary>
/// A real AkkaGunicorn process. Its log lines (the Arbiter's and its workers', all on stderr) are
/// collected so that tests can wait on them as events. Disposing kills the Arbiter and every worker it
/// reported, so a failed test leaves no process behind.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly object _gate = new();
    private readonly ITestOutputHelper? _output;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process, ITestOutputHelper? output)
    {
        _process = process;
        _output = output;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public Process Process => _process;

    public int Port { get; private set; }

    /// <summary>Starts the server with these arguments (no --bind given means an ephemeral loopback port).</summary>
    public static ServerProcess Start(IEnumerable<string> args, ITestOutputHelper? output = null, IDictionary<string, string>? environment = null) =>
        StartCommand("dotnet", [Paths.Server, .. args], output, environment);

    /// <summary>Starts the server as <paramref name="command"/> (an installed tool's command, say) with these arguments.</summary>
    public static ServerProcess StartCommand(string command, IEnumerable<string> args, ITestOutputHelper? output = null,
        IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(command)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = Paths.Root,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        return new ServerProcess(Process.Start(info)!, output);
    }

    /// <summary>
    /// Starts the server through a bash wrapper that runs <paramref name="prelude"/> and then execs the server
    /// with <paramref name="args"/> (same PID): for what a service manager does between fork and exec.
    /// </summary>
    public static ServerProcess StartWrapped(string prelude, IEnumerable<string> args, ITestOutputHelper? output, params string[] preludeArgs)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = Paths.Root,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"{prelude} && shift {preludeArgs.Length} && exec dotnet \"$@\"");
        info.ArgumentList.Add("bash");
        foreach (var arg in preludeArgs) info.ArgumentList.Add(arg);
        info.ArgumentList.Add(Paths.Server);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        return new ServerProcess(Process.Start(info)!, output);
    }

    /// <summary>Starts a server and waits until it listens and all its workers serve.</summary>
    public static Task<ServerProcess> StartServingAsync(string app, int workers, ITestOutputHelper? output = null, params string[] extra) =>
        StartServingAsync(["--workers", workers.ToString(), .. extra, app], workers, output);

    /// <summary>
    /// Starts a server on an ephemeral loopback port with these arguments (or, with <paramref name="bindsGiven"/>, where
    /// they say, one of them on <paramref name="host"/>) and waits until <paramref name="workers"/> serve. A
    /// <paramref name="wrapper"/> command (ip netns exec NS, say) runs the server as its last argument, in its place.
    /// </summary>
    public static async Task<ServerProcess> StartServingAsync(IEnumerable<string> args, int workers, ITestOutputHelper? output,
        IDictionary<string, string>? environment = null, bool bindsGiven = false, string host = "127.0.0.1", IReadOnlyList<string>? wrapper = null)
    {
        IEnumerable<string> all = bindsGiven ? args : ["--bind", "127.0.0.1:0", .. args];
        var server = wrapper is { Count: > 0 }
            ? StartCommand(wrapper[0], [.. wrapper.Skip(1), "dotnet", Paths.Server, .. all], output, environment)
            : Start(all, output, environment);
        try
        {
            var listening = await server.WaitForLineAsync(host == "127.0.0.1" ? ListeningRegex() : new Regex($@"Listening at: https?://{Regex.Escape(host)}:(\d+)"));
            server.Port = int.Parse(listening.Groups[1].Value);
            await server.WaitForCountAsync(ServingRegex(), workers);
            await server.WaitForCountAsync(new Regex($@"\] \[{server.Pid}\] \[INFO\] Booting worker with pid: \d+"), workers);
            return server;
        }
        catch
        {
            // Nobody else holds the server yet: a start that failed must not leave its processes behind.
            await server.DisposeAsync();
            throw;
        }
    }

    public IReadOnlyList<string> Lines
    {
        get { lock (_gate) return _lines.ToList(); }
    }

    /// <summary>The PIDs the Arbiter reported booting, in order.</summary>
    public IReadOnlyList<int> WorkerPids => Lines.Select(l => BootingRegex().Match(l)).Where(m => m.Success && m.Groups[1].Value == Pid.ToString())
        .Select(m => int.Parse(m.Groups[2].Value)).ToList();

    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan? timeout = null, int skip = 0)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var match = _lines.Skip(skip).Select(l => pattern.Match(l)).FirstOrDefault(m => m.Success);
                if (match is not null) return match;
                changed = _changed.Task;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || _process.HasExited && changed != await Task.WhenAny(changed, Task.Delay(200)))
                throw new TimeoutException($"No line matching /{pattern}/ appeared. Log:\n{string.Join("\n", Lines)}");
            await Task.WhenAny(changed, Task.Delay(left));
        }
    }

    public async Task WaitForCountAsync(Regex pattern, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_lines.Count(l => pattern.IsMatch(l)) >= count) return;
                changed = _changed.Task;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"Fewer than {count} lines matching /{pattern}/. Log:\n{string.Join("\n", Lines)}");
            await Task.WhenAny(changed, Task.Delay(left));
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public void Signal(int signal) => Posix.Kill(Pid, signal);

    /// <summary>The Arbiter's line for a worker that exited as asked (drained, retired).</summary>
    public Regex WorkerExitedRegex() => new($@"\] \[{Pid}\] \[INFO\] Worker exiting \(pid: \d+\)");

    private void OnLine(string? line)
    {
        if (line is null) return;
        TaskCompletionSource changed;
        lock (_gate)
        {
            _lines.Add(line);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        try { _output?.WriteLine(line); } catch (InvalidOperationException) { }
        changed.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        var workers = WorkerPids;
        if (!_process.HasExited) Posix.Kill(Pid, Posix.SIGKILL);
        foreach (var pid in workers) Posix.Kill(pid, Posix.SIGKILL);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    [GeneratedRegex(@"Listening at: https?://127\.0\.0\.1:(\d+)")]
    public static partial Regex ListeningRegex();

    [GeneratedRegex(@"\] \[(\d+)\] \[INFO\] Serving on")]
    public static partial Regex ServingRegex();

    [GeneratedRegex(@"\] \[(\d+)\] \[INFO\] Booting worker with pid: (\d+)")]
    public static partial Regex BootingRegex();
}
