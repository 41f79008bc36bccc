using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Hooks;

namespace Fragile;

/// <summary>
/// Server hooks for tests: each call appends "hook pid=… detail" to PID.log in the directory named by FRAGILE_HOOK_LOG
/// (a file per process, so that processes never write over each other), and
/// FRAGILE_FAIL_HOOK names one hook that throws instead. FRAGILE_BLOCK_HOOK names one that, once recorded, waits until
/// a file named "release" appears in that directory. pre_request also throws for the path /hook-fails.
/// </summary>
public sealed class FragileHooks : IServerHooks
{
    private static readonly object Gate = new();

    /// <inheritdoc />
    public void OnStarting(ArbiterInfo arbiter) => Record("on_starting", $"workers={arbiter.Workers}");

    /// <inheritdoc />
    public void OnReload(ArbiterInfo arbiter) => Record("on_reload", $"generation={arbiter.Generation}");

    /// <inheritdoc />
    public void WhenReady(ArbiterInfo arbiter) => Record("when_ready", $"listeners={string.Join(",", arbiter.Listeners)}");

    /// <inheritdoc />
    public void PreFork(ArbiterInfo arbiter, WorkerInfo worker) => Record("pre_fork", $"age={worker.Age}");

    /// <inheritdoc />
    public void PostFork(WorkerInfo worker) => Record("post_fork", $"arbiter={worker.ArbiterPid} age={worker.Age}");

    /// <inheritdoc />
    public void PostWorkerInit(WorkerInfo worker) => Record("post_worker_init", "");

    /// <inheritdoc />
    public void WorkerInt(WorkerInfo worker) => Record("worker_int", "");

    /// <inheritdoc />
    public void WorkerAbort(WorkerInfo worker) => Record("worker_abort", "");

    /// <inheritdoc />
    public void PreRequest(WorkerInfo worker, HttpRequest request)
    {
        if (request.Path == "/hook-fails") throw new InvalidOperationException("pre_request refuses /hook-fails");
        Record("pre_request", request.Path);
    }

    /// <inheritdoc />
    public void PostRequest(WorkerInfo worker, HttpRequest request, HttpResponse response) => Record("post_request", request.Path);

    /// <inheritdoc />
    public void ChildExit(ArbiterInfo arbiter, WorkerInfo worker) => Record("child_exit", $"child={worker.Pid} exit={worker.Exit}");

    /// <inheritdoc />
    public void WorkerExit(WorkerInfo worker) => Record("worker_exit", "");

    /// <inheritdoc />
    public void NWorkersChanged(ArbiterInfo arbiter, int newValue, int? oldValue) => Record("nworkers_changed", $"{newValue} {oldValue?.ToString() ?? "None"}");

    /// <inheritdoc />
    public void OnExit(ArbiterInfo arbiter) => Record("on_exit", "");

    private static void Record(string hook, string detail)
    {
        if (Environment.GetEnvironmentVariable("FRAGILE_FAIL_HOOK") == hook) throw new InvalidOperationException($"{hook} fails on purpose");
        if (Environment.GetEnvironmentVariable("FRAGILE_HOOK_LOG") is not { Length: > 0 } directory) return;
        lock (Gate) File.AppendAllText(Path.Combine(directory, $"{Environment.ProcessId}.log"), $"{hook} pid={Environment.ProcessId} {detail}\n");
        if (Environment.GetEnvironmentVariable("FRAGILE_BLOCK_HOOK") != hook) return;
        var release = Path.Combine(directory, "release");
        for (var deadline = DateTime.UtcNow.AddSeconds(60); !File.Exists(release) && DateTime.UtcNow < deadline;) Thread.Sleep(20);
    }
}
