namespace AkkaGunicorn.Http.Hooks;

/// <summary>A worker, as a hook sees it.</summary>
/// <param name="Pid">Its process id (0 before it is started).</param>
/// <param name="ArbiterPid">Its Arbiter's process id.</param>
/// <param name="Generation">The configuration generation it runs.</param>
/// <param name="Age">Its slot number: higher is younger, as Gunicorn's worker age.</param>
public sealed record WorkerInfo(int Pid, int ArbiterPid, int Generation, int Age)
{
    /// <summary>How the worker ended, for <see cref="IServerHooks.ChildExit"/>; null while it runs.</summary>
    public string? Exit { get; init; }
}
