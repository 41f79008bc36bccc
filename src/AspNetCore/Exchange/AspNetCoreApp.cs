using AkkaGunicorn.Http.App;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OurRequest = AkkaGunicorn.Http.App.HttpRequest;
using OurResponse = AkkaGunicorn.Http.App.HttpResponse;

namespace AkkaGunicorn.AspNetCore.Exchange;

/// <summary>
/// An ASP.NET Core application as an AkkaGunicorn app: each request runs through the host's pipeline
/// (<see cref="IHttpApplication{TContext}"/>) over the connection's reused features. Errors are answered as Kestrel
/// answers them: an unhandled exception is logged and becomes a bare 500, or aborts a response already started.
/// </summary>
internal sealed class AspNetCoreApp<TContext>(IHttpApplication<TContext> application, ExchangeSettings settings, ILogger logger)
    : IHttpApp where TContext : notnull
{
    /// <inheritdoc />
    public Task HandleAsync(OurRequest request, OurResponse response, CancellationToken aborted)
    {
        var features = request.ConnectionState as ExchangeFeatures<TContext>;
        if (features is null) request.ConnectionState = features = new ExchangeFeatures<TContext>(settings);
        features.Reset(request, response, aborted);
        // Code allowed to block on IO must not block the connection's own thread, which its IO needs.
        return settings.AllowSynchronousIO ? Task.Run(() => RunAsync(features)) : RunAsync(features);
    }

    private async Task RunAsync(ExchangeFeatures<TContext> features)
    {
        var context = application.CreateContext(features);
        Exception? failure = null;
        try
        {
            await application.ProcessRequestAsync(context);
            await features.FinishAsync();
        }
        catch (Exception e)
        {
            failure = e;
            Report(e, features);
            // Kestrel's answers: the bare status of a bad request (413, 400), else a bare 500; a started response is cut off.
            if (features.HasStarted) features.Abort();
            else features.ReplaceWithError(e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError);
        }
        try
        {
            await features.RunOnCompletedAsync();
        }
        catch (Exception e)
        {
            logger.LogError(e, "Connection id \"{ConnectionId}\", Request id \"{TraceIdentifier}\": An OnCompleted callback failed.",
                features.ConnectionId, features.TraceIdentifier);
        }
        application.DisposeContext(context, failure);
    }

    private void Report(Exception e, ExchangeFeatures<TContext> features)
    {
        if (e is BadHttpRequestException)
            logger.LogDebug(e, "Connection id \"{ConnectionId}\", Request id \"{TraceIdentifier}\": bad request data.",
                features.ConnectionId, features.TraceIdentifier);
        else if (features.RequestAborted.IsCancellationRequested)
            logger.LogDebug(e, "Connection id \"{ConnectionId}\", Request id \"{TraceIdentifier}\": the client went away before the app finished.",
                features.ConnectionId, features.TraceIdentifier);
        else
            logger.LogError(e, "Connection id \"{ConnectionId}\", Request id \"{TraceIdentifier}\": An unhandled exception was thrown by the application.",
                features.ConnectionId, features.TraceIdentifier);
    }
}
