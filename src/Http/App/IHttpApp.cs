namespace AkkaGunicorn.Http.App;

/// <summary>
/// An HTTP application, hosted once per worker process. The server calls <see cref="HandleAsync"/>
/// once per request, one request at a time per connection, and many connections at once: an
/// implementation must be safe to call concurrently. Load it with <c>AkkaGunicorn.dll path/to/App.dll[:Type]</c>;
/// the type needs a public parameterless constructor.
/// </summary>
public interface IHttpApp
{
    /// <summary>
    /// Handles one request. The request and response objects are reused by the connection after the
    /// returned task completes, so do not keep them. An exception before the response has started
    /// becomes a 500; after it has started, the connection is aborted.
    /// </summary>
    /// <param name="request">The request; its <see cref="HttpRequest.Body"/> streams the body as it arrives.</param>
    /// <param name="response">The response to fill in and write.</param>
    /// <param name="aborted">Cancelled when the client goes away or the connection is aborted.</param>
    Task HandleAsync(HttpRequest request, HttpResponse response, CancellationToken aborted);
}
