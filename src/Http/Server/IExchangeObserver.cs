using AkkaGunicorn.Http.App;

namespace AkkaGunicorn.Http.Server;

/// <summary>
/// Told about every request/response exchange as its response is complete: for access logs and metrics. It is
/// called on the connection's stage, before the connection's request and response objects are reused for the
/// next request, so it must copy what it keeps and must not block (queue any I/O).
/// </summary>
public interface IExchangeObserver
{
    /// <summary>An exchange has finished.</summary>
    void Completed(in Exchange exchange);
}

/// <summary>One finished exchange.</summary>
/// <param name="Request">The request (valid only during the call).</param>
/// <param name="ResponseHeaders">The response's header fields (valid only during the call).</param>
/// <param name="Status">The status code sent.</param>
/// <param name="BodyBytes">Response body bytes.</param>
/// <param name="Started">When the request head was complete (<see cref="System.Diagnostics.Stopwatch"/> ticks).</param>
/// <param name="Finished">When the response was complete (<see cref="System.Diagnostics.Stopwatch"/> ticks).</param>
/// <param name="Connection">The connection.</param>
public readonly record struct Exchange(HttpRequest Request, IReadOnlyList<KeyValuePair<string, string>> ResponseHeaders, int Status,
    long BodyBytes, long Started, long Finished, ConnectionInfo Connection)
{
    /// <summary>How long the exchange took.</summary>
    public TimeSpan Duration => System.Diagnostics.Stopwatch.GetElapsedTime(Started, Finished);
}
