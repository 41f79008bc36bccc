namespace AkkaGunicorn.Arbiter.Supervision;

/// <summary>How a reload replaces the running workers.</summary>
public enum ReloadStrategy
{
    /// <summary>Start the whole new generation; retire the old one once every new worker serves.</summary>
    Generation,

    /// <summary>Replace one worker at a time, each new one serving before an old one drains (Puma's phased restart).</summary>
    Rolling,
}

/// <summary>
/// What the workers of one generation are: how many, the configuration they start with, and how the
/// Arbiter watches and stops them. A reload makes a new plan from the re-read configuration.
/// </summary>
/// <param name="Workers">How many worker processes to keep running.</param>
/// <param name="GracefulTimeout">How long a graceful stop lets in-flight requests run.</param>
public sealed record WorkerPlan(int Workers, TimeSpan GracefulTimeout)
{
    /// <summary>The configuration generation: 1 at start, one more per reload.</summary>
    public int Generation { get; init; } = 1;

    /// <summary>The most workers scaling up (TTIN, <c>worker add</c>) may reach.</summary>
    public int MaxWorkers { get; init; } = 1024;

    /// <summary>How long a worker may go without a heartbeat before it is aborted; zero disables the check.</summary>
    public TimeSpan Timeout { get; init; }

    /// <summary>How the next reload replaces these workers.</summary>
    public ReloadStrategy Strategy { get; init; } = ReloadStrategy.Generation;

    /// <summary>The configuration as HOCON, for <c>show config</c>.</summary>
    public string Configuration { get; init; } = "";

    /// <summary>The typed settings the workers are started with (in their boot record); null only in tests with fake processes.</summary>
    public Workers.Boot.WorkerSettings? Settings { get; init; }

    /// <summary>How the worker processes' .NET runtime is set up (the app's runtimeconfig, environment variables).</summary>
    public Hosting.WorkerRuntime Runtime { get; init; } = Hosting.WorkerRuntime.Default;
}
