using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>
/// HTTP/1.1 upgrades on a real server: the Echo example's WebSocket, driven by .NET's ClientWebSocket and, where the
/// bytes themselves matter (the handshake, a ping sent before the 101 arrived), by hand.
/// </summary>
public sealed class WebSocketTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ServerProcess _server = null!;

    public async Task InitializeAsync() => _server = await ServerProcess.StartServingAsync(Paths.Echo, workers: 1, output);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<ClientWebSocket> ConnectAsync()
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{_server.Port}/ws"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        return socket;
    }

    private static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveMessageAsync(WebSocket socket)
    {
        using var message = new MemoryStream();
        var buffer = new byte[4096];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            message.Write(buffer, 0, received.Count);
            if (received.EndOfMessage || received.MessageType == WebSocketMessageType.Close) return (received.MessageType, message.ToArray());
        }
    }

    [Fact]
    public async Task Text_binary_large_and_fragmented_messages_come_back_and_the_close_handshake_completes()
    {
        using var socket = await ConnectAsync();
        await socket.SendAsync("héllo"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal((WebSocketMessageType.Text, "héllo"), (await ReceiveMessageAsync(socket)) is var (type, data) ? (type, Encoding.UTF8.GetString(data)) : default);

        var binary = RandomNumberGenerator.GetBytes(300_000);
        await socket.SendAsync(binary, WebSocketMessageType.Binary, true, CancellationToken.None);
        var back = await ReceiveMessageAsync(socket);
        Assert.Equal(WebSocketMessageType.Binary, back.Type);
        Assert.Equal(binary, back.Data);

        // One message in three frames.
        await socket.SendAsync("one "u8.ToArray(), WebSocketMessageType.Text, false, CancellationToken.None);
        await socket.SendAsync("two "u8.ToArray(), WebSocketMessageType.Text, false, CancellationToken.None);
        await socket.SendAsync("three"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal("one two three", Encoding.UTF8.GetString((await ReceiveMessageAsync(socket)).Data));

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((WebSocketState.Closed, WebSocketCloseStatus.NormalClosure), (socket.State, socket.CloseStatus));
        // The worker serves on.
        using var http = new HttpClient();
        Assert.Contains("\"method\":\"GET\"", await http.GetStringAsync($"http://127.0.0.1:{_server.Port}/after"));
    }

    [Fact]
    public async Task The_handshake_is_answered_by_the_rfc_and_bytes_sent_before_the_101_are_the_new_protocols()
    {
        using var client = new RawClient(_server.Port);
        const string key = "dGhlIHNhbXBsZSBub25jZQ==";
        // The handshake and, in the same write, a masked ping: the server must not parse the ping as HTTP.
        byte[] ping = [0x89, 0x84, 1, 2, 3, 4, (byte)('p' ^ 1), (byte)('i' ^ 2), (byte)('n' ^ 3), (byte)('g' ^ 4)];
        await client.SendAsync([.. Encoding.ASCII.GetBytes($"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"), .. ping]);
        using var stream = new NetworkStream(client.Socket);
        var received = new List<byte>();
        var buffer = new byte[4096];
        int headEnd;
        while ((headEnd = IndexOf(received, "\r\n\r\n"u8.ToArray())) < 0 || received.Count < headEnd + 4 + 6)
        {
            int n = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(n > 0, $"the server closed after: {Encoding.Latin1.GetString([.. received])}");
            received.AddRange(buffer.AsSpan(0, n).ToArray());
        }
        var head = Encoding.ASCII.GetString([.. received.Take(headEnd)]).Split("\r\n");
        Assert.Equal("HTTP/1.1 101 Switching Protocols", head[0]);
        // RFC 6455 §1.3's own example.
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", head);
        Assert.Contains("Upgrade: websocket", head);
        Assert.Contains("Connection: Upgrade", head);
        Assert.DoesNotContain(head, l => l.StartsWith("Content-Length") || l.StartsWith("Transfer-Encoding"));
        // The pong, unmasked, with the ping's payload.
        Assert.Equal([0x8A, 4, .. "ping"u8.ToArray()], received.Skip(headEnd + 4).Take(6).ToArray());
    }

    [Fact]
    public async Task An_upgrade_the_app_declines_is_an_ordinary_request_and_the_connection_goes_on()
    {
        using var client = new RawClient(_server.Port);
        await client.SendAsync("GET /one HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n" +
                               "GET /two HTTP/1.1\r\nHost: x\r\n\r\n");
        var bytes = await client.ReadUntilAsync(b => HttpResponseReader.ReadAll(b).Count >= 2);
        var responses = HttpResponseReader.ReadAll(bytes);
        Assert.Equal([200, 200], responses.Select(r => r.Status));
        Assert.Contains("\"path\":\"/one\"", responses[0].BodyText);
        Assert.Contains("\"path\":\"/two\"", responses[1].BodyText);
    }

    private static int IndexOf(List<byte> haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Count; i++)
            if (haystack.Skip(i).Take(needle.Length).SequenceEqual(needle)) return i;
        return -1;
    }
}
