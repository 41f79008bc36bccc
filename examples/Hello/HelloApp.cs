using AkkaGunicorn.Http.App;

namespace Hello;

/// <summary>Hello, World!: the smallest app, and the one the benchmarks load.</summary>
public sealed class HelloApp : IHttpApp
{
    private static readonly ReadOnlyMemory<byte> Body = "Hello, World!"u8.ToArray();

    /// <inheritdoc />
    public Task HandleAsync(HttpRequest request, HttpResponse response, CancellationToken aborted)
    {
        response.Headers.Add("Content-Type", "text/plain");
        return response.WriteAsync(Body, aborted).AsTask();
    }
}
