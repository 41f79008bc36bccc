using AkkaGunicorn.Http.App;
using Xunit;

namespace AkkaGunicorn.Http.Tests.Exchanges;

/// <summary>
/// What the app can still read once the body breaks: a body that ends early keeps the bytes already offered (they
/// arrived; the error follows them), but once the connection's stages stop, the chunk offered and not yet read is
/// dropped, since its bytes live in a receive buffer that goes back to a pool for another connection.
/// </summary>
public sealed class RequestBodyReaderTests
{
    private static readonly byte[] Sent = "secret"u8.ToArray();

    [Fact]
    public async Task A_broken_body_still_yields_the_bytes_offered_before_the_error()
    {
        var reader = new RequestBodyReader(() => { });
        reader.Reset(empty: false);
        reader.Offer(Sent);
        reader.Fail(new IOException("ended early"));
        var into = new byte[16];
        Assert.Equal(Sent.Length, await reader.ReadAsync(into, CancellationToken.None));
        await Assert.ThrowsAsync<IOException>(() => reader.ReadAsync(into, CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task A_closed_connection_leaves_nothing_of_the_offered_chunk_to_read()
    {
        var reader = new RequestBodyReader(() => { });
        reader.Reset(empty: false);
        reader.Offer(Sent);
        reader.Close(new IOException("The connection was closed."));
        var into = new byte[16];
        var error = await Assert.ThrowsAsync<IOException>(() => reader.ReadAsync(into, CancellationToken.None).AsTask());
        Assert.Equal("The connection was closed.", error.Message);
        Assert.All(into, b => Assert.Equal(0, b));
    }
}
