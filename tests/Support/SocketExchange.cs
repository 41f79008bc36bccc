
namespace AkkaGunicorn.Testing;

/// <summary>Plays one conformance case over a fresh TCP connection and collects what comes back.</summary>
public static class SocketExchange
{
    public static async Task<(List<ParsedResponse> Responses, bool Closed)> RunAsync(int port, ConformanceCase c)
    {
        using var client = new RawClient(port);
        await client.SendAsync(c.Raw);
        if (c.Valid && c.Deviation is null)
        {
            int expected = c.Expected.Count();
            var bytes = await client.ReadUntilAsync(b => Count(b) >= expected);
            return (HttpResponseReader.ReadAll(bytes), false);
        }
        // Where the bytes stop mid-message, only the end of the stream tells the server there is no more.
        if (c.FailsInBody || c.Deviation is not null || c.Name == "001") client.ShutdownSend();
        return (HttpResponseReader.ReadAll(await client.ReadToEndAsync()), true);
    }

    private static int Count(byte[] bytes)
    {
        int offset = 0, n = 0;
        while (HttpResponseReader.TryRead(bytes, ref offset, out _, connectionClosed: false)) n++;
        return n;
    }
}
