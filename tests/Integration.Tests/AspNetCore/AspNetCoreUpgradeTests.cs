using System.Net.WebSockets;
using System.Text;
using AkkaGunicorn.Integration.Tests.Support;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests.AspNetCore;

/// <summary>
/// WebSockets in an unmodified ASP.NET Core app (its own <c>UseWebSockets()</c>) and SignalR over them, with real
/// clients: .NET's ClientWebSocket and the SignalR client, on two workers.
/// </summary>
public sealed class AspNetCoreUpgradeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_apps_websocket_endpoint_echoes_through_its_own_middleware()
    {
        await using var server = await ServerProcess.StartServingAsync([Paths.AspNetProbe], workers: 1, output);
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/ws"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal($"pid {server.WorkerPids[0]}", await ReceiveTextAsync(socket));
        foreach (var text in new[] { "one", new string('x', 100_000), "ünïcödé" })
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
            Assert.Equal(text, await ReceiveTextAsync(socket));
        }
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        // A plain GET to the same endpoint is not a WebSocket request: the app says so.
        using var http = new HttpClient();
        Assert.Equal(400, (int)(await http.GetAsync($"http://127.0.0.1:{server.Port}/ws")).StatusCode);
    }

    [SkippableFact]
    public async Task A_real_browsers_websocket_talks_to_the_app()
    {
        Skip.If(HeadlessChromium.Unavailable is not null, HeadlessChromium.Unavailable);
        await using var server = await ServerProcess.StartServingAsync([Paths.AspNetProbe], workers: 1, output);
        await using var browser = await HeadlessChromium.StartAsync();
        await browser.NavigateAsync($"http://127.0.0.1:{server.Port}/ws.html");
        var log = await browser.WaitForAsync("document.getElementById('log')?.textContent ?? ''", v => v?.Contains("closed") == true, TimeSpan.FromSeconds(30));
        Assert.Equal("pid\nhello from the browser\nclosed 1000\n", log);
    }

    [Fact]
    public async Task SignalR_over_websockets_delivers_every_message_with_two_workers()
    {
        await using var server = await ServerProcess.StartServingAsync(["--workers", "2", Paths.AspNetProbe], workers: 2, output);
        var connections = new List<HubConnection>();
        try
        {
            var pids = new HashSet<string>();
            for (int client = 0; client < 6; client++)
            {
                // One connection, one worker: without negotiation, the WebSocket is the whole session.
                var connection = new HubConnectionBuilder()
                    .WithUrl($"http://127.0.0.1:{server.Port}/hub", options =>
                    {
                        options.SkipNegotiation = true;
                        options.Transports = HttpTransportType.WebSockets;
                    })
                    .Build();
                var ticks = new List<int>();
                var lastTick = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                connection.On<int>("tick", n =>
                {
                    lock (ticks) ticks.Add(n);
                    if (n == 100) lastTick.TrySetResult();
                });
                await connection.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
                connections.Add(connection);
                for (int i = 0; i < 20; i++)
                {
                    var answer = await connection.InvokeAsync<string>("Echo", $"{client}.{i}").WaitAsync(TimeSpan.FromSeconds(30));
                    Assert.StartsWith($"{client}.{i} from pid ", answer);
                    pids.Add(answer.Split("pid ")[1]);
                }
                await connection.InvokeAsync("Ticks", 100).WaitAsync(TimeSpan.FromSeconds(30));
                await lastTick.Task.WaitAsync(TimeSpan.FromSeconds(30));
                lock (ticks) Assert.Equal(Enumerable.Range(1, 100), ticks);
            }
            // The clients were spread over both workers, each keeping to the one its connection reached.
            Assert.Equal(server.WorkerPids.Select(p => p.ToString()).Order(), pids.Order());
        }
        finally
        {
            foreach (var connection in connections) await connection.DisposeAsync();
        }
    }

    private static async Task<string> ReceiveTextAsync(WebSocket socket)
    {
        using var message = new MemoryStream();
        var buffer = new byte[8192];
        WebSocketReceiveResult received;
        do
        {
            received = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            message.Write(buffer, 0, received.Count);
        } while (!received.EndOfMessage);
        return Encoding.UTF8.GetString(message.ToArray());
    }
}
