using AkkaGunicorn.Arbiter.Hooks;

namespace AkkaGunicorn.Arbiter.Supervision;

/// <summary>What the Arbiter actor is given.</summary>
/// <param name="Plan">The first generation of workers.</param>
/// <param name="Launcher">Starts worker processes.</param>
/// <param name="Exit">Completed with the exit code when the server has stopped.</param>
public sealed record ArbiterOptions(WorkerPlan Plan, IWorkerLauncher Launcher, TaskCompletionSource<int> Exit)
{
    /// <summary>Back-off before replacing a crashed worker: the first, then doubling to the most.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest back-off.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Closes the Arbiter's own listening descriptors when the server stops (the workers hold theirs).</summary>
    public Action CloseListeners { get; init; } = () => { };

    /// <summary>Stops the listeners taking connections (a drain); null when this server cannot (reuse_port: each worker has its own).</summary>
    public Action? PauseListeners { get; init; }

    /// <summary>Lets the listeners take connections again (an undrain).</summary>
    public Action ResumeListeners { get; init; } = () => { };

    /// <summary>
    /// Re-reads the configuration for a reload (HUP) and returns the next plan (its generation is set by the
    /// Arbiter); throws, with a message that says why, when the new configuration or app is not usable.
    /// </summary>
    public Func<WorkerPlan> Reload { get; init; } = () => throw new InvalidOperationException("this server cannot reload");

    /// <summary>Starts a new Arbiter from the current executable that inherits the listeners (USR2); returns its PID or throws.</summary>
    public Func<int> Upgrade { get; init; } = () => throw new InvalidOperationException("this server cannot upgrade");

    /// <summary>The listening addresses, for <c>show listeners</c>.</summary>
    public IReadOnlyList<string> Listeners { get; init; } = [];

    /// <summary>The effective configuration as HOCON, for <c>show config</c> (the latest reload's once one completes).</summary>
    public string Configuration { get; init; } = "";

    /// <summary>The app's server hooks.</summary>
    public ArbiterHooks Hooks { get; init; } = ArbiterHooks.None;

    /// <summary>Reopens the Arbiter's log files (USR1); the workers are sent USR1 to reopen theirs.</summary>
    public Action ReopenLogs { get; init; } = () => { };

    /// <summary>Told the wanted number of workers whenever it changes (the gunicorn.workers gauge).</summary>
    public Action<int> WorkerCountChanged { get; init; } = _ => { };

    /// <summary>The Prometheus endpoint's figures (<c>metrics_bind</c>), or null when there is none.</summary>
    public Observability.FleetMetrics? Fleet { get; init; }

    /// <summary>
    /// Asks for the server to stop (the host runs it as CoordinatedShutdown, whose first phase sends the Arbiter the
    /// <see cref="Shutdown"/>); null to send it to the Arbiter at once.
    /// </summary>
    public Action<Shutdown>? RequestStop { get; init; }

    /// <summary>Tells the service manager a state change: READY=1, RELOADING=1, STOPPING=1 (sd_notify).</summary>
    public Action<string> Notify { get; init; } = _ => { };

    /// <summary>
    /// Called whenever the pool settles (the first generation serves, a reload completes or is abandoned): the moment
    /// the service manager hears READY=1, and a quiet one for the process to give back what starting workers cost it.
    /// </summary>
    public Action Settled { get; init; } = () => { };
}
