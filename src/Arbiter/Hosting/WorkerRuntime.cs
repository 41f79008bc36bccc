using AkkaGunicorn.Arbiter.Settings;
using AkkaGunicorn.Workers.Apps;

namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>
/// .NET runtime settings for the workers, by the kind of app they run. An ASP.NET Core app runs far more code per
/// request than a server app, and it reached Kestrel's speed only after many seconds, or never: the runtime delays
/// promoting hot methods to optimized code while it is still compiling new ones, and a worker's periodic work
/// (heartbeats, remoting) keeps compiling the odd new method, so with the default settings the pipeline stayed in
/// its first, unoptimized tier (5-8k requests/s on one core where Kestrel does 16-20k). Compiling the app's and the
/// server's own code optimized at once, and promoting the framework's precompiled code without that delay, puts a
/// worker at its full speed within seconds, at the cost of a slower boot (about 2 s more). Set the same variables
/// in the Arbiter's environment to choose otherwise.
/// </summary>
public static class WorkerRuntime
{
    /// <summary>The environment variables for workers running <paramref name="settings"/>'s app.</summary>
    public static IReadOnlyDictionary<string, string> For(ServerSettings settings)
    {
        AppSpec app;
        try
        {
            app = AppSpec.Parse(settings.App, Environment.CurrentDirectory);
        }
        catch (AppLoadException)
        {
            return new Dictionary<string, string>();
        }
        if (AppProbe.Inspect(app.AssemblyPath) != AppKind.AspNetCore) return new Dictionary<string, string>();
        return new Dictionary<string, string>
        {
            ["DOTNET_TC_QuickJit"] = "0",
            ["DOTNET_TC_CallCountingDelayMs"] = "0",
        };
    }
}
