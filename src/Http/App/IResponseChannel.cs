namespace AkkaGunicorn.Http.App;

/// <summary>The connection's side of a response: takes the head and body bytes in order.</summary>
internal interface IResponseChannel
{
    /// <summary>
    /// Sends <paramref name="data"/> (after the head, on the first call). Completes when the connection has
    /// taken the bytes, after which the caller may reuse the memory.
    /// </summary>
    Task SendAsync(HttpResponse response, ReadOnlyMemory<byte> data);
}
