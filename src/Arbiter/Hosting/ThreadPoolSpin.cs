namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>
/// Whether thread-pool threads spin before they sleep. The runtime's default has them spin (sched_yield) after each
/// piece of work, which only pays when one process has the cores to itself: the Arbiter carries no load, and workers
/// share the cores with their siblings, so both turn it off, unless an operator (the environment) or the app's own
/// runtimeconfig chose a value.
/// </summary>
public static class ThreadPoolSpin
{
    /// <summary>The runtime setting's name, as a runtimeconfig <c>configProperties</c> entry.</summary>
    public const string ConfigName = "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit";

    private static readonly string[] EnvironmentNames = ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit", "COMPlus_ThreadPool_UnfairSemaphoreSpinLimit"];

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
