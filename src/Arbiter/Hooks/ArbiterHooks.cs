using AkkaGunicorn.Http.Hooks;
using System.Threading.Channels;
using Serilog;

namespace AkkaGunicorn.Arbiter.Hooks;

/// <summary>
/// The Arbiter's side of the server hooks, called where Gunicorn's arbiter calls them. The hooks the actors ask for
/// are queued and run one at a time, in the order asked (as in Gunicorn's single master loop), on the thread pool and
/// never inside an actor's handler: a slow hook holds up no registration, heartbeat or signal. Each sees the Arbiter as it
/// was when its event happened. A hook that throws is logged. The hooks instance is replaced on reload (the app may
/// have changed); the Arbiter's description is kept current by the Arbiter actor.
/// </summary>
public sealed class ArbiterHooks : IAsyncDisposable
{
    private readonly Channel<(Func<bool> Hook, TaskCompletionSource<bool> Done)> _queue =
        Channel.CreateUnbounded<(Func<bool>, TaskCompletionSource<bool>)>(new UnboundedChannelOptions { SingleReader = true });
    private Task? _runner;
    private volatile IServerHooks? _hooks;
    private volatile ArbiterInfo _arbiter;

    /// <summary>Hooks from the app, or none.</summary>
    public ArbiterHooks(IServerHooks? hooks, ArbiterInfo arbiter)
    {
        _hooks = hooks;
        _arbiter = arbiter;
    }

    /// <summary>No hooks.</summary>
    public static ArbiterHooks None => new(null, new ArbiterInfo(Environment.ProcessId, 0, [], 1));

    /// <summary>Whether the app has server hooks (any of them may need to run before a worker starts).</summary>
    public bool Any => _hooks is not null;

    /// <summary>The Arbiter as hooks see it now.</summary>
    public ArbiterInfo Arbiter => _arbiter;

    /// <summary>Updates the description after the worker count or the generation changed.</summary>
    public void Describe(int workers, int generation) => _arbiter = _arbiter with { Workers = workers, Generation = generation };

    /// <summary>Updates the listeners once bound (a port 0 has become a real port).</summary>
    public void Listening(IReadOnlyList<string> listeners) => _arbiter = _arbiter with { Listeners = listeners };

    /// <summary>The hooks of a reloaded app from now on.</summary>
    public void Replace(IServerHooks? hooks) => _hooks = hooks;

    /// <summary>on_starting; throws what the hook throws (the start fails).</summary>
    public void OnStarting() => _hooks?.OnStarting(_arbiter);

    /// <summary>on_reload, queued; completes with false (logged) when the hook threw, which refuses the reload.</summary>
    public Task<bool> OnReload() => Enqueue("on_reload", (h, a) => h.OnReload(a));

    /// <summary>when_ready, queued.</summary>
    public void WhenReady() => Enqueue("when_ready", (h, a) => h.WhenReady(a));

    /// <summary>pre_fork, queued, for a worker about to start: start it once the returned task completes.</summary>
    public Task PreFork(WorkerInfo worker) => Enqueue("pre_fork", (h, a) => h.PreFork(a, worker));

    /// <summary>child_exit, queued.</summary>
    public void ChildExit(WorkerInfo worker) => Enqueue("child_exit", (h, a) => h.ChildExit(a, worker));

    /// <summary>nworkers_changed, queued.</summary>
    public void NWorkersChanged(int newValue, int? oldValue) => Enqueue("nworkers_changed", (h, a) => h.NWorkersChanged(a, newValue, oldValue));

    /// <summary>on_exit, once the queued hooks have run (the Arbiter's last word).</summary>
    public async Task OnExitAsync()
    {
        await DisposeAsync();
        Run("on_exit", h => h.OnExit(_arbiter));
    }

    /// <summary>Runs what is queued, then stops taking hooks.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (Volatile.Read(ref _runner) is { } runner) await runner;
    }

    private Task<bool> Enqueue(string name, Action<IServerHooks, ArbiterInfo> hook)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_hooks is null) { done.SetResult(true); return done.Task; }
        var arbiter = _arbiter;
        if (!_queue.Writer.TryWrite((() => Run(name, h => hook(h, arbiter)), done))) done.SetResult(false);
        // The runner starts with the first hook asked for: a server without hooks has no thread for them.
        if (Volatile.Read(ref _runner) is null)
        {
            var runner = new Task<Task>(RunQueueAsync);
            if (Interlocked.CompareExchange(ref _runner, runner.Unwrap(), null) is null) runner.Start(TaskScheduler.Default);
        }
        return done.Task;
    }

    private async Task RunQueueAsync()
    {
        await foreach (var (hook, done) in _queue.Reader.ReadAllAsync()) done.TrySetResult(hook());
    }

    private bool Run(string name, Action<IServerHooks> hook)
    {
        if (_hooks is not { } hooks) return true;
        try
        {
            hook(hooks);
            return true;
        }
        catch (Exception e)
        {
            Log.Error(e, "Exception in {Hook} hook", name);
            return false;
        }
    }
}
