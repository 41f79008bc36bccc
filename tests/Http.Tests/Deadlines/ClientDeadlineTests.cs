using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Http.Tests.Support;
using Xunit;

namespace AkkaGunicorn.Http.Tests.Deadlines;

/// <summary>
/// Slow, silent and greedy clients against the worker's own connection graph and host: each deadline closes the
/// connection (with 408 where an answer is possible) and is counted; a full host makes room by closing the connection
/// that has waited longest, never one with a request under way.
/// </summary>
public sealed class ClientDeadlineTests
{
    private static readonly HttpServerOptions Strict = new()
    {
        RequestHeaderTimeout = TimeSpan.FromSeconds(1),
        KeepAlive = TimeSpan.FromSeconds(60),
        MinRequestBodyRate = 10_000,
        MinResponseRate = 100_000,
        DataRateGrace = TimeSpan.FromMilliseconds(500),
    };

    /// <summary>Sends one byte at a time, every 100 ms, until the server closes.</summary>
    private static async Task TrickleAsync(RawClient client, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await client.SendAsync("x");
                await Task.Delay(100, stop);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static long Expired(InProcessServer server, ConnectionExpiry why) => server.State.Expiries()[(int)why];

    [Fact]
    public async Task A_head_that_trickles_in_gets_408_at_the_header_deadline()
    {
        await using var server = new InProcessServer(new TestApp(), Strict);
        using var client = new RawClient(server.Port);
        using var stop = new CancellationTokenSource();
        await client.SendAsync("GET /slow HTTP/1.1\r\nHost: a\r\nX-Slow: ");
        var trickle = TrickleAsync(client, stop.Token);
        var response = HttpResponseReader.ReadAll(await client.ReadToEndAsync(TimeSpan.FromSeconds(30))).Single();
        stop.Cancel();
        await trickle;
        Assert.Equal(408, response.Status);
        Assert.Equal("close", response.Header("Connection"));
        Assert.Equal(1, Expired(server, ConnectionExpiry.HeaderTimeout));
    }

    [Fact]
    public async Task A_connection_that_sends_nothing_is_closed_at_the_header_deadline()
    {
        await using var server = new InProcessServer(new TestApp(), Strict);
        using var client = new RawClient(server.Port);
        Assert.Empty(await client.ReadToEndAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, Expired(server, ConnectionExpiry.HeaderTimeout));
    }

    [Fact]
    public async Task A_keep_alive_connection_trickling_its_next_head_gets_408()
    {
        await using var server = new InProcessServer(new TestApp(), Strict);
        using var client = new RawClient(server.Port);
        await client.SendAsync("GET /first HTTP/1.1\r\nHost: a\r\n\r\n");
        await client.ReadUntilAsync(b => TestApp.Text(b).Contains("\"path\":\"/first\""));
        using var stop = new CancellationTokenSource();
        await client.SendAsync("GET /second HTTP/1.1\r\nX-Slow: ");
        var trickle = TrickleAsync(client, stop.Token);
        var bytes = await client.ReadToEndAsync(TimeSpan.FromSeconds(30));
        stop.Cancel();
        await trickle;
        var response = HttpResponseReader.ReadAll(bytes).Single();
        Assert.Equal(408, response.Status);
    }

    [Fact]
    public async Task A_body_slower_than_the_minimum_rate_gets_408()
    {
        await using var server = new InProcessServer(new TestApp(), Strict);
        using var client = new RawClient(server.Port);
        using var stop = new CancellationTokenSource();
        await client.SendAsync("POST /count HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n");
        var trickle = TrickleAsync(client, stop.Token);
        var bytes = await client.ReadToEndAsync(TimeSpan.FromSeconds(30));
        stop.Cancel();
        await trickle;
        Assert.Equal(408, HttpResponseReader.ReadAll(bytes).Single().Status);
        Assert.Equal(1, Expired(server, ConnectionExpiry.SlowRequestBody));
    }

    [Fact]
    public async Task A_body_the_app_is_slow_to_read_does_not_count_against_the_client()
    {
        var app = new TestApp();
        await using var server = new InProcessServer(app, Strict);
        using var client = new RawClient(server.Port);
        await client.SendAsync("POST /wait HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n");
        await app.WaitStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // The app reads nothing while it waits: however long that is, the client is not to blame.
        await client.SendAsync("ab");
        await WaitUntilAsync(() => server.Roster.Count(ConnectionPhase.InRequest) == 1);
        await Task.Delay(Strict.DataRateGrace * 3);
        app.Gate.SetResult();
        await client.SendAsync("cde");
        var response = HttpResponseReader.ReadAll(await client.ReadUntilAsync(b => TestApp.Text(b).Contains("waited"))).Single();
        Assert.Equal(200, response.Status);
        Assert.Equal(0, Expired(server, ConnectionExpiry.SlowRequestBody));
    }

    [Fact]
    public async Task A_client_that_does_not_read_its_response_is_disconnected()
    {
        await using var server = new InProcessServer(new TestApp(), Strict);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port));
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /stream?size=65536&n=400 HTTP/1.1\r\nHost: a\r\n\r\n"));
        await WaitUntilAsync(() => Expired(server, ConnectionExpiry.SlowResponseReader) == 1);
        // Cut off: what is left to read ends well short of the 26 MB response.
        long read = 0;
        var buffer = new byte[65536];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer)) > 0) read += n;
        }
        catch (SocketException)
        {
        }
        Assert.True(read < 65536L * 400, $"read {read} bytes");
    }

    [Fact]
    public async Task A_full_host_closes_the_longest_waiting_connection_to_admit_a_new_one()
    {
        var app = new TestApp();
        await using var server = new InProcessServer(app, Strict with { RequestHeaderTimeout = TimeSpan.FromMinutes(1) }, connectionLimit: 4);
        using var busy = new RawClient(server.Port);
        await busy.SendAsync("GET /wait HTTP/1.1\r\nHost: a\r\n\r\n");
        await app.WaitStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var silent = new List<RawClient>();
        for (int i = 0; i < 3; i++)
        {
            silent.Add(new RawClient(server.Port));
            int waiting = i + 1;
            await WaitUntilAsync(() => server.Roster.Count(ConnectionPhase.New) == waiting);
        }
        using var newcomer = new RawClient(server.Port);
        await newcomer.SendAsync("GET /newcomer HTTP/1.1\r\nHost: a\r\n\r\n");
        var answer = HttpResponseReader.ReadAll(await newcomer.ReadUntilAsync(b => TestApp.Text(b).Contains("/newcomer"))).Single();
        Assert.Equal(200, answer.Status);
        Assert.Empty(await silent[0].ReadToEndAsync());
        Assert.Equal(1, Expired(server, ConnectionExpiry.Evicted));
        Assert.Equal(2, server.Roster.Count(ConnectionPhase.New));

        // The request under way was never a candidate.
        app.Gate.SetResult();
        var waited = HttpResponseReader.ReadAll(await busy.ReadUntilAsync(b => TestApp.Text(b).Contains("waited"))).Single();
        Assert.Equal(200, waited.Status);
        foreach (var client in silent) client.Dispose();
    }

    [Fact]
    public async Task A_later_http_1_minor_version_is_served_as_http_1_1()
    {
        await using var server = new InProcessServer(new TestApp());
        using var client = new RawClient(server.Port);
        await client.SendAsync("GET /v HTTP/1.2\r\nHost: a\r\nConnection: close\r\n\r\n");
        var response = HttpResponseReader.ReadAll(await client.ReadToEndAsync()).Single();
        Assert.Equal(200, response.Status);
        Assert.Equal("HTTP/1.1", JsonDocument.Parse(response.Body).RootElement.GetProperty("version").GetString());
    }

    [Theory]
    [InlineData("http://other.example:8080/x?q=1", "127.0.0.1", "other.example:8080")]
    [InlineData("http://user:secret@other.example/x", "127.0.0.1", "other.example")]
    [InlineData("http://[::1]:9/x", null, "[::1]:9")]
    public async Task An_absolute_form_target_names_the_host_the_app_sees(string target, string? host, string expected)
    {
        await using var server = new InProcessServer(new TestApp());
        using var client = new RawClient(server.Port);
        await client.SendAsync($"GET {target} HTTP/1.1\r\n{(host is null ? "" : $"Host: {host}\r\n")}Connection: close\r\n\r\n");
        var response = HttpResponseReader.ReadAll(await client.ReadToEndAsync()).Single();
        var headers = JsonDocument.Parse(response.Body).RootElement.GetProperty("headers").EnumerateArray()
            .Select(h => (Name: h[0].GetString()!, Value: h[1].GetString()!)).ToList();
        Assert.Equal([expected], headers.Where(h => h.Name.Equals("Host", StringComparison.OrdinalIgnoreCase)).Select(h => h.Value));
    }

    [Fact]
    public async Task A_tls_handshake_on_a_plain_port_gets_400_at_once()
    {
        // Without a deadline worth waiting for: the answer must come from the first byte, not a timeout.
        await using var server = new InProcessServer(new TestApp(), Strict with { RequestHeaderTimeout = TimeSpan.FromMinutes(5) });
        using var client = new RawClient(server.Port);
        await client.SendAsync([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03]);
        var response = HttpResponseReader.ReadAll(await client.ReadToEndAsync()).Single();
        Assert.Equal(400, response.Status);
        Assert.Contains("TlsHandshakeOnPlainPort", response.BodyText);
    }

    [Theory]
    [InlineData("GE\u0001")]
    [InlineData(" GET")]
    [InlineData("G{T /")]
    public async Task A_request_line_is_refused_as_soon_as_a_byte_makes_it_invalid(string start)
    {
        await using var server = new InProcessServer(new TestApp(), Strict with { RequestHeaderTimeout = TimeSpan.FromMinutes(5) });
        using var client = new RawClient(server.Port);
        await client.SendAsync(start);
        Assert.Equal(400, HttpResponseReader.ReadAll(await client.ReadToEndAsync()).Single().Status);
    }

    private static Task WaitUntilAsync(Func<bool> condition) =>
        Eventually.UntilAsync(condition, "condition not met within 30 s", interval: TimeSpan.FromMilliseconds(20));
}
