using AkkaGunicorn.Http.App;

namespace AkkaGunicorn.Http.Tests.Conformance;

/// <summary>Wraps an app and counts its calls, to prove a refused request never reached it.</summary>
public sealed class CountingApp(IHttpApp inner) : IHttpApp
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public Task HandleAsync(HttpRequest request, HttpResponse response, CancellationToken aborted)
    {
        Interlocked.Increment(ref _calls);
        return inner.HandleAsync(request, response, aborted);
    }
}
