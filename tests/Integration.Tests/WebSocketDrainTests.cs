using System.Net.WebSockets;
using System.Text;
using System.Text.RegularExpressions;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>A reload with WebSockets open: the old ones are told 1001 Going Away after the graceful time, new ones land on the new generation.</summary>
public sealed class WebSocketDrainTests(ITestOutputHelper output)
{
    [Fact]
    public async Task After_the_graceful_timeout_open_websockets_get_1001_and_new_ones_reach_the_new_generation()
    {
        await using var server = await ServerProcess.StartServingAsync(Paths.Echo, 1, output, "--graceful-timeout", "1", "--control-socket-disable");
        using var old = new ClientWebSocket();
        await old.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/old"), CancellationToken.None);
        Assert.Equal("before", await EchoAsync(old, "before"));

        server.Signal(Posix.SIGHUP);
        await server.WaitForLineAsync(new Regex("Reload complete: generation 2 serves with 1 workers"));
        var buffer = new byte[1024];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var closing = await old.ReceiveAsync(buffer, deadline.Token);
        Assert.Equal(WebSocketMessageType.Close, closing.MessageType);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, old.CloseStatus);
        output.WriteLine($"old WebSocket closed: {(int)old.CloseStatus!} {old.CloseStatusDescription}");

        using var fresh = new ClientWebSocket();
        await fresh.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/fresh"), CancellationToken.None);
        Assert.Equal("after", await EchoAsync(fresh, "after"));
    }

    private static async Task<string> EchoAsync(ClientWebSocket socket, string text)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, deadline.Token);
        var buffer = new byte[1024];
        var received = await socket.ReceiveAsync(buffer, deadline.Token);
        return Encoding.UTF8.GetString(buffer, 0, received.Count);
    }
}
