namespace AkkaGunicorn.Http.App;

/// <summary>The connection's side of a response: takes the head and body bytes in order.</summary>
internal interface IResponseChannel
{
    /// <summary>
    /// Sends <paramref name="data"/> (after the head, on the first call). Completes when the connection has
    /// taken the bytes, after which the caller may reuse the memory.
    /// </summary>
    Task SendAsync(HttpResponse response, ReadOnlyMemory<byte> data);

    /// <summary>
    /// Ends the response with what <paramref name="response"/> still buffers (and its trailers). Completes when the
    /// connection has taken the last bytes; the app may still be running.
    /// </summary>
    Task CompleteAsync(HttpResponse response);

    /// <summary>Closes the connection at once, whatever state the response is in.</summary>
    void Abort();

    /// <summary>
    /// Sends <c>101 Switching Protocols</c> with <paramref name="response"/>'s headers; the connection then carries the
    /// new protocol. Completes with the stream of its bytes once the head has been taken.
    /// </summary>
    Task<Stream> UpgradeAsync(HttpResponse response);
}
