using Microsoft.Extensions.Hosting;

namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>A host lifetime that leaves signals alone: the Arbiter handles them itself (Gunicorn's set, not the console's).</summary>
internal sealed class NoSignalLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
