using System.Text;
using AkkaGunicorn.Http.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Http.Tests;

public sealed class SmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_get_is_answered_and_the_connection_closes_on_request()
    {
        await using var server = new InProcessServer(new Echo.EchoApp());
        using var client = new RawClient(server.Port);
        await client.SendAsync("GET /hello?x=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        var text = Encoding.Latin1.GetString(await client.ReadToEndAsync(TimeSpan.FromSeconds(5)));
        output.WriteLine(text);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", text);
        Assert.Contains("\"path\":\"/hello\"", text);
    }
}
