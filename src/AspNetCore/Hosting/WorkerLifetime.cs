using Microsoft.Extensions.Hosting;

namespace AkkaGunicorn.AspNetCore.Hosting;

/// <summary>
/// The app host's lifetime inside a worker. It replaces the console lifetime, which would take TERM and INT for
/// itself: in a worker those belong to the worker (TERM drains it; the Arbiter decides the rest), and the worker
/// stops the host when it is done.
/// </summary>
internal sealed class WorkerLifetime : IHostLifetime
{
    /// <inheritdoc />
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
