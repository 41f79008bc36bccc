using AkkaGunicorn.Http.App;

namespace AkkaGunicorn.AspNetCore.Server;

/// <summary>
/// Where the app's host and the worker meet: the host's server hands over the app it started, and asks the worker to
/// stop serving when the host stops on its own.
/// </summary>
/// <param name="urls">The addresses the worker serves, as URLs for the app's "Now listening on" lines.</param>
internal sealed class ServerBridge(IReadOnlyList<string> urls)
{
    private readonly TaskCompletionSource<IHttpApp> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The addresses the worker serves.</summary>
    public IReadOnlyList<string> Urls => urls;

    /// <summary>Completes when the host has started its server, with the app to serve.</summary>
    public Task<IHttpApp> Started => _started.Task;

    /// <summary>Called when the host stops its server; completes when the worker no longer serves (or the token fires).</summary>
    public Func<CancellationToken, Task> StopServing { get; set; } = _ => Task.CompletedTask;

    /// <summary>The host started its server.</summary>
    public void OnServerStarted(IHttpApp app)
    {
        if (!_started.TrySetResult(app)) throw new InvalidOperationException("AkkaGunicorn's server can be started once per worker; the app started a second web host.");
    }
}
