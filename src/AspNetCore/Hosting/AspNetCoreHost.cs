using System.Reflection;
using AkkaGunicorn.AspNetCore.Server;
using AkkaGunicorn.Http.App;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AkkaGunicorn.AspNetCore.Hosting;

/// <summary>
/// An unmodified ASP.NET Core app running in a worker. Its own Program runs, on a thread of its own, exactly as under
/// <c>dotnet App.dll</c>: its configuration, logging, services and pipeline are its own. The host it builds gets
/// AkkaGunicorn's server instead of Kestrel; once that host has started, <see cref="App"/> serves the worker's
/// connections through the app's pipeline.
/// </summary>
public sealed class AspNetCoreHost
{
    private readonly IHost _host;
    private readonly ServerBridge _bridge;

    private AspNetCoreHost(IHost host, ServerBridge bridge, IHttpApp app, Task exited)
    {
        _host = host;
        _bridge = bridge;
        App = app;
        Exited = exited;
    }

    /// <summary>The app, as the worker's connections call it.</summary>
    public IHttpApp App { get; }

    /// <summary>Completes when the app's Program has returned (faulted if it threw): its host stopped.</summary>
    public Task Exited { get; }

    /// <summary>
    /// What the host's server calls when the host stops on its own (the app called StopApplication, or a background
    /// service failed): the worker stops serving, and the task completes when it no longer does.
    /// </summary>
    public Func<CancellationToken, Task> StopServing { set => _bridge.StopServing = value; }

    /// <summary>
    /// Runs the app's Program until its web host has started. Throws <see cref="AppHostException"/> when the app
    /// cannot be loaded, its Program throws first, or it returns without a web host.
    /// </summary>
    public static async Task<AspNetCoreHost> StartAsync(AspNetCoreHostOptions options)
    {
        var assembly = Load(options.AssemblyPath);
        var entryPoint = assembly.EntryPoint ?? throw new AppHostException(AppHostError.NoEntryPoint,
            $"app: '{options.AssemblyPath}' has no entry point; an ASP.NET Core app is an executable project (its Program builds and runs a web host)");
        AppDefaults.Apply(options.AssemblyPath, assembly);
        var bridge = new ServerBridge(options.Urls);
        using var interceptor = new HostInterceptor(bridge);
        interceptor.Attach();
        var exited = ProgramThread.Run(entryPoint, options.Args.ToArray());

        var host = await Before(interceptor.Built, exited);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => started.TrySetResult());
        var app = await Before(bridge.Started, exited);
        // Serve only once every hosted service has started too, as the app would see it under Kestrel.
        await Before(started.Task, exited);
        return new AspNetCoreHost(host, bridge, app, exited);
    }

    /// <summary>
    /// Stops the app's host (its hosted services, then its Program's own code after Run) and waits up to
    /// <paramref name="timeout"/> for the Program to return. False if it did not in time.
    /// </summary>
    public async Task<bool> StopAsync(TimeSpan timeout)
    {
        _bridge.StopServing = _ => Task.CompletedTask;
        _host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        try
        {
            await Exited.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (Exception)
        {
            // The Program threw while stopping; the worker logs Exited's fault.
            return true;
        }
    }

    /// <summary>The result of <paramref name="step"/>, unless the Program ends first: then why it could not start.</summary>
    private static async Task<T> Before<T>(Task<T> step, Task exited)
    {
        await Before((Task)step, exited);
        return await step;
    }

    private static async Task Before(Task step, Task exited)
    {
        await Task.WhenAny(step, exited);
        if (step.IsCompleted)
        {
            await step;
            return;
        }
        if (exited.Exception?.GetBaseException() is { } failure)
            throw new AppHostException(AppHostError.ProgramFailed,
                $"app: the app's Program threw {failure.GetType().Name} while starting: {failure.Message}", failure);
        throw new AppHostException(AppHostError.NoWebHost,
            "app: the app's Program returned without starting a web host; an ASP.NET Core app builds one and runs it (app.Run())");
    }

    private static Assembly Load(string path)
    {
        if (!File.Exists(path))
            throw new AppHostException(AppHostError.AssemblyLoadFailed, $"app: '{path}' does not exist; expected a .NET assembly (.dll)");
        try
        {
            return new HostedAppLoadContext(path).LoadFromAssemblyPath(path);
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException)
        {
            throw new AppHostException(AppHostError.AssemblyLoadFailed, $"app: '{path}' could not be loaded: {e.Message}", e);
        }
    }
}
