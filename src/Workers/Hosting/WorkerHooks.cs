using System.Runtime.InteropServices;
using AkkaGunicorn.Http.Hooks;
using AkkaGunicorn.Workers.Native;
using Serilog;

namespace AkkaGunicorn.Workers.Hosting;

/// <summary>
/// The worker's side of the server hooks: calls each where Gunicorn's worker does and handles a failure as
/// Gunicorn does (boot hooks fail the boot; the others are logged). Without a hooks class it does nothing.
/// </summary>
public sealed class WorkerHooks(IServerHooks? hooks, WorkerInfo worker) : IDisposable
{
    // .NET names no SIGABRT; this is Linux's number.
    private const PosixSignal SIGABRT = (PosixSignal)6;
    private readonly List<PosixSignalRegistration> _signals = [];

    /// <summary>The hooks, or null.</summary>
    public IServerHooks? Hooks => hooks;

    /// <summary>The worker the hooks are told about.</summary>
    public WorkerInfo Worker => worker;

    /// <summary>post_fork; throws what the hook throws (a boot error).</summary>
    public void PostFork() => hooks?.PostFork(worker);

    /// <summary>post_worker_init; throws what the hook throws (a boot error).</summary>
    public void PostWorkerInit() => hooks?.PostWorkerInit(worker);

    /// <summary>worker_exit, logged if it fails.</summary>
    public void WorkerExit() => Run("worker_exit", h => h.WorkerExit(worker));

    /// <summary>
    /// Runs worker_int on INT and QUIT (then the process exits at once, as it would without hooks) and
    /// worker_abort on ABRT (then the runtime's default action, abort, follows).
    /// </summary>
    public void HandleSignals()
    {
        if (hooks is null) return;
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGQUIT })
            _signals.Add(PosixSignalRegistration.Create(signal, _ => Run("worker_int", h => h.WorkerInt(worker))));
        _signals.Add(PosixSignalRegistration.Create(SIGABRT, _ =>
        {
            Run("worker_abort", h => h.WorkerAbort(worker));
            Log.CloseAndFlush();
            DefaultSignal.Raise((int)SIGABRT);
        }));
    }

    private void Run(string name, Action<IServerHooks> hook)
    {
        if (hooks is null) return;
        try
        {
            hook(hooks);
        }
        catch (Exception e)
        {
            Log.Error(e, "Exception in {Hook} hook", name);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var signal in _signals) signal.Dispose();
    }
}
