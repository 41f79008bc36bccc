namespace AkkaGunicorn.Http.Hooks;

/// <summary>The Arbiter, as a hook sees it.</summary>
/// <param name="Pid">The Arbiter's process id.</param>
/// <param name="Workers">How many workers it keeps.</param>
/// <param name="Listeners">The addresses it listens on.</param>
/// <param name="Generation">The configuration generation serving (or, in <see cref="IServerHooks.OnReload"/>, being replaced).</param>
public sealed record ArbiterInfo(int Pid, int Workers, IReadOnlyList<string> Listeners, int Generation);
