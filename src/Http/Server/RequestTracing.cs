using System.Diagnostics;
using AkkaGunicorn.Http.App;

namespace AkkaGunicorn.Http.Server;

/// <summary>
/// An <see cref="Activity"/> per request for native apps, as ASP.NET Core's hosting makes one for its apps: kind Server,
/// the caller's W3C trace context (<c>traceparent</c>, <c>tracestate</c>) as its parent, OpenTelemetry's HTTP server
/// attributes, status Error for a 5xx. Made only when something listens to <see cref="SourceName"/> (an OpenTelemetry
/// TracerProvider with <c>AddSource("AkkaGunicorn.Http")</c>, say), so tracing costs nothing otherwise.
/// </summary>
public static class RequestTracing
{
    /// <summary>The activity source's name.</summary>
    public const string SourceName = "AkkaGunicorn.Http";

    /// <summary>The activities' operation name.</summary>
    public const string ActivityName = "AkkaGunicorn.HttpRequestIn";

    private static readonly ActivitySource Source = new(SourceName, typeof(RequestTracing).Assembly.GetName().Version?.ToString());

    /// <summary>
    /// Starts the request's activity (it becomes <see cref="Activity.Current"/>, so start it where the app is called),
    /// or returns null when nobody listens or the sampler drops it.
    /// </summary>
    public static Activity? Start(HttpRequest request)
    {
        if (!Source.HasListeners()) return null;
        ActivityContext.TryParse(request.Headers["traceparent"], request.Headers["tracestate"], isRemote: true, out var parent);
        var activity = Source.StartActivity(ActivityName, ActivityKind.Server, parent);
        if (activity is null) return null;
        activity.DisplayName = request.Method;
        if (activity.IsAllDataRequested)
        {
            activity.SetTag("http.request.method", request.Method);
            activity.SetTag("url.scheme", request.Scheme);
            activity.SetTag("url.path", request.PathBase + request.Path);
            if (request.Query.Length > 0) activity.SetTag("url.query", request.Query);
            activity.SetTag("network.protocol.version", request.Version switch { Parsing.HttpVersion.Http10 => "1.0", Parsing.HttpVersion.Http20 => "2", _ => "1.1" });
            if (request.RemoteEndPoint is System.Net.IPEndPoint client) activity.SetTag("client.address", client.Address.ToString());
            if (request.Headers["User-Agent"] is { } agent) activity.SetTag("user_agent.original", agent);
        }
        return activity;
    }

    /// <summary>Ends the request's activity with the status sent (0: none, the connection failed first).</summary>
    public static void Stop(Activity activity, int status)
    {
        if (status > 0) activity.SetTag("http.response.status_code", status);
        if (status is 0 or >= 500) activity.SetStatus(ActivityStatusCode.Error);
        activity.Stop();
    }
}
