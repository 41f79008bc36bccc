using AkkaGunicorn.Http.Hooks;
using Serilog;

namespace AkkaGunicorn.Arbiter.Hooks;

/// <summary>
/// The Arbiter's side of the server hooks: calls each where Gunicorn's arbiter does, from whichever actor
/// gets there, and logs a hook that throws. The hooks instance is replaced on reload (the app may have
/// changed); the Arbiter's description is kept current by the Arbiter actor.
/// </summary>
public sealed class ArbiterHooks
{
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

    /// <summary>on_reload; false (logged) when the hook threw, which refuses the reload.</summary>
    public bool OnReload() => Run("on_reload", h => h.OnReload(_arbiter));

    /// <summary>when_ready.</summary>
    public void WhenReady() => Run("when_ready", h => h.WhenReady(_arbiter));

    /// <summary>pre_fork, for a worker about to start.</summary>
    public void PreFork(WorkerInfo worker) => Run("pre_fork", h => h.PreFork(_arbiter, worker));

    /// <summary>child_exit.</summary>
    public void ChildExit(WorkerInfo worker) => Run("child_exit", h => h.ChildExit(_arbiter, worker));

    /// <summary>nworkers_changed.</summary>
    public void NWorkersChanged(int newValue, int? oldValue) => Run("nworkers_changed", h => h.NWorkersChanged(_arbiter, newValue, oldValue));

    /// <summary>on_exit.</summary>
    public void OnExit() => Run("on_exit", h => h.OnExit(_arbiter));

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
