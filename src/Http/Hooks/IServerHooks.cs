using AkkaGunicorn.Http.App;

namespace AkkaGunicorn.Http.Hooks;

/// <summary>
/// Gunicorn's server hooks. An app assembly may hold one public class implementing this interface (with a public
/// parameterless constructor); the server calls each hook where Gunicorn does, in the process Gunicorn calls it in.
/// Every hook has an empty default, so a class implements only those it needs.
/// <para>
/// A hook that throws is logged as Gunicorn logs it. In a worker, a failing <see cref="PostFork"/> or
/// <see cref="PostWorkerInit"/> is a boot error (the server stops with exit code 3) and a failing
/// <see cref="PreRequest"/> answers that request with a 500; the others are logged and the server goes on. In the
/// Arbiter, a failing <see cref="OnStarting"/> stops the start (exit code 1) and a failing <see cref="OnReload"/>
/// refuses the reload (the running workers keep serving); the others are logged.
/// </para>
/// </summary>
public interface IServerHooks
{
    /// <summary>Arbiter: just before it binds the listeners and starts workers.</summary>
    void OnStarting(ArbiterInfo arbiter) { }

    /// <summary>Arbiter: on a reload (HUP), before the new generation starts.</summary>
    void OnReload(ArbiterInfo arbiter) { }

    /// <summary>Arbiter: once the first generation of workers serves.</summary>
    void WhenReady(ArbiterInfo arbiter) { }

    /// <summary>Arbiter: just before a worker process is started (its <see cref="WorkerInfo.Pid"/> is still 0).</summary>
    void PreFork(ArbiterInfo arbiter, WorkerInfo worker) { }

    /// <summary>Worker: first thing in the new process, before the app is loaded.</summary>
    void PostFork(WorkerInfo worker) { }

    /// <summary>Worker: once the app is loaded, before the worker serves.</summary>
    void PostWorkerInit(WorkerInfo worker) { }

    /// <summary>Worker: on INT or QUIT, just before the worker exits at once.</summary>
    void WorkerInt(WorkerInfo worker) { }

    /// <summary>Worker: on ABRT (the Arbiter's timeout), just before the worker dies; a stopped or wedged process cannot run it.</summary>
    void WorkerAbort(WorkerInfo worker) { }

    /// <summary>Worker: before the app handles a request. Throwing answers the request with a 500.</summary>
    void PreRequest(WorkerInfo worker, HttpRequest request) { }

    /// <summary>Worker: after the app has handled a request (or failed it).</summary>
    void PostRequest(WorkerInfo worker, HttpRequest request, HttpResponse response) { }

    /// <summary>Arbiter: a worker process has exited.</summary>
    void ChildExit(ArbiterInfo arbiter, WorkerInfo worker) { }

    /// <summary>Worker: just before the process exits.</summary>
    void WorkerExit(WorkerInfo worker) { }

    /// <summary>Arbiter: the wanted number of workers changed (<paramref name="oldValue"/> is null at start).</summary>
    void NWorkersChanged(ArbiterInfo arbiter, int newValue, int? oldValue) { }

    /// <summary>Arbiter: just before it exits.</summary>
    void OnExit(ArbiterInfo arbiter) { }
}
