namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>
/// Whether thread-pool threads spin before they sleep. The runtime's default has them spin (sched_yield) after each
/// piece of work, which cuts the latency of the next piece when the process has the cores to itself, and steals CPU
/// from whatever else is busy when it does not. Measured on two cores: the Arbiter (which carries no load) spent a third
/// of its idle CPU spinning; one worker served 5-10% more at 1,000 connections with spinning than without; two workers
/// served 25% more keep-alive requests, and 10-15% more new connections, without, each having spun on CPU its sibling
/// needed. So the Arbiter never spins, and a worker spins only when <see cref="Pays"/>: it is alone, or the workers are
/// fewer than the cores. An operator's choice (the runtime's environment variable, e.g. through <c>raw_env</c>) or the
/// app's own runtimeconfig always wins.
/// </summary>
public static class ThreadPoolSpin
{
    /// <summary>The runtime setting's name, as a runtimeconfig <c>configProperties</c> entry.</summary>
    public const string ConfigName = "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit";

    private static readonly string[] EnvironmentNames = ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit", "COMPlus_ThreadPool_UnfairSemaphoreSpinLimit"];

    /// <summary>Whether workers gain by spinning: one alone, or fewer workers than cores, leave spare CPU to spin on.</summary>
    public static bool Pays(int workers, int processors) => workers <= 1 || workers < processors;

    /// <summary>Turns spinning off for this process unless it was chosen; call before anything uses the thread pool.</summary>
    public static void TurnOffUnlessChosen()
    {
        if (!Chosen(EnvironmentNames.Select(Environment.GetEnvironmentVariable), AppContext.GetData(ConfigName)))
        {
            AppContext.SetData(ConfigName, 0);
        }
    }

    /// <summary>Whether someone set the spin limit: any of the environment variables, or the runtimeconfig's property.</summary>
    public static bool Chosen(IEnumerable<string?> environmentValues, object? configured) =>
        configured is not null || environmentValues.Any(v => !string.IsNullOrEmpty(v));
}
