using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Hooks;
using Serilog;

namespace AkkaGunicorn.Workers.Apps;

/// <summary>
/// The app with pre_request and post_request around each request, as Gunicorn calls them: a failing pre_request
/// fails the request (the stages answer 500, or abort a started response); a failing post_request is logged.
/// </summary>
public sealed class HookedApp(IHttpApp app, IServerHooks hooks, WorkerInfo worker) : IHttpApp
{
    /// <inheritdoc />
    public async Task HandleAsync(HttpRequest request, HttpResponse response, CancellationToken aborted)
    {
        try
        {
            hooks.PreRequest(worker, request);
            await app.HandleAsync(request, response, aborted);
        }
        finally
        {
            try
            {
                hooks.PostRequest(worker, request, response);
            }
            catch (Exception e)
            {
                Log.Error(e, "Exception in post_request hook");
            }
        }
    }
}
