using System.Text;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Http.Tests.Support;
using Xunit;

namespace AkkaGunicorn.Http.Tests;

/// <summary>What a client sees on one connection: keep-alive, pipelining, 100-continue, bodies, errors, closing.</summary>
public sealed class ConnectionBehaviourTests
{
    private static bool HasResponses(byte[] bytes, int count)
    {
        int offset = 0, seen = 0;
        while (seen < count && HttpResponseReader.TryRead(bytes, ref offset, out _, connectionClosed: false)) seen++;
        return seen == count;
    }

    [Fact]
    public async Task Keep_alive_serves_several_requests_on_one_connection()
    {
        await using var server = new InProcessServer(new TestApp());
        using var client = new RawClient(server.Port);
        for (int i = 0; i < 3; i++)
        {
            await client.SendAsync($"GET /r{i} HTTP/1.1\r\nHost: a\r\n\r\n");
            var response = HttpResponseReader.ReadAll(await client.ReadUntilAsync(b => HasResponses(b, 1))).Single();
            Assert.Equal(200, response.Status);
            Assert.Contains($"\"path\":\"/r{i}\"", response.BodyText);
            Assert.Null(response.Header("Connection"));
            Assert.NotNull(response.Header("Date"));
            Assert.Equal("AkkaGunicorn", response.Header("Server"));
        }
    }

    [Fact]
    public async Task Pipelined_requests_are_answered_in_order()
    {
        await using var server = new InProcessServer(new TestApp());
        using var client = new RawClient(server.Port);
        await client.SendAsync("GET /1 HTTP/1.1\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\nConnection: close\r\n\r\n");
        var responses = HttpResponseReader.ReadAll(await client.ReadToEndAsync());
        Assert.Equal(["/1", "/2", "/3"], responses.Select(r => System.Text.Json.JsonDocument.Parse(r.Body).RootElement.GetProperty("path").GetString()));
        Assert.Equal("close", responses[2].Header("Connection"));
    }

    [Fact]
    public async Task Expect_100_continue_is_sent_only_when_the_app_reads_the_body()
    {
        await using var server = new InProcessServer(new TestApp());
        using var client = new RawClient(server.Port);
        await client.SendAsync("POST /count HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        var interim = TestApp.Text(await client.ReadUntilAsync(b => TestApp.Text(b).Contains("\r\n\r\n")));
        Assert.Equal("HTTP/1.1 100 Continue\r\n\r\n", interim);
        await client.SendAsync("hello");
        var response = HttpResponseReader.ReadAll(await client.ReadUntilAsync(b => HasResponses(b, 1))).Single();
        Assert.Equal("5", response.BodyText);

        // An app that answers without reading gets no 100, and the unsent body is not awaited.
        await client.SendAsync("POST /no-read HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        var direct = HttpResponseReader.ReadAll(await client.ReadUntilAsync(b => HasResponses(b, 1))).Single();
        Assert.Equal(200, direct.Status);
    }

    [Fact]
    public async Task An_unknown_expectation_gets_417()
    {
        await using var server = new InProcessServer(new TestApp());
        using var client = new RawClient(server.Port);
        await client.SendAsync("POST /count HTTP/1.1\r\nContent-Length: 5\r\nExpect: magic\r\n\r\nhello");
        var response = HttpResponseReader.ReadAll(await client.ReadToEndAsync()).Single();
        Assert.Equal(417, response.Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_large_upload_streams_to_the_app(bool chunked)
    {
        const int size = 32 * 1024 * 1024;
        await using var server = new InProcessServer(new TestApp());
        using var client = new RawClient(server.Port);
        await client.SendAsync(chunked
            ? "POST /count HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            : $"POST /count HTTP/1.1\r\nContent-Length: {size}\r\n\r\n");
        var block = new byte[256 * 1024];
        for (int sent = 0; sent < size; sent += block.Length)
        {
            if (chunked) await client.SendAsync($"{block.Length:X}\r\n");
            await client.SendAsync(block);
            if (chunked) await client.SendAsync("\r\n");
        }
        if (chunked) await client.SendAsync("0\r\n\r\n");
        var response = HttpResponseReader.ReadAll(await client.ReadUntilAsync(b => HasResponses(b, 1), TimeSpan.FromSeconds(60))).Single();
        Assert.Equal(size.ToString(), response.BodyText);
    }

    [Fact]
    public async Task A_large_response_streams_chunked_to_the_client()
    {
        await using var server = new InProcessServer(new TestApp());
        using var client = new RawClient(server.Port);
        await client.SendAsync("GET /stream?n=512&size=65536 HTTP/1.1\r\nConnection: close\r\n\r\n");
        var response = HttpResponseReader.ReadAll(await client.ReadToEndAsync(TimeSpan.FromSeconds(60))).Single();
        Assert.Equal("chunked", response.Header("Transfer-Encoding"));
        Assert.Equal(512 * 65536, response.Body.Length);
    }

    [Fact]
    public async Task An_app_exception_before_the_response_is_a_500_and_the_connection_lives_on()
    {
        await using var server = new InProcessServer(new TestApp());
        using var client = new RawClient(server.Port);
        await client.SendAsync("GET /throw HTTP/1.1\r\n\r\n");
        var failed = HttpResponseReader.ReadAll(await client.ReadUntilAsync(b => HasResponses(b, 1))).Single();
        Assert.Equal(500, failed.Status);
        await client.SendAsync("GET /after HTTP/1.1\r\nConnection: close\r\n\r\n");
        var next = HttpResponseReader.ReadAll(await client.ReadToEndAsync()).Single();
        Assert.Equal(200, next.Status);
    }

    [Fact]
    public async Task An_app_exception_after_the_response_started_aborts_the_connection()
    {
        await using var server = new InProcessServer(new TestApp());
        using var client = new RawClient(server.Port);
        await client.SendAsync("GET /throw-after HTTP/1.1\r\n\r\n");
        var text = TestApp.Text(await client.ReadToEndAsync());
        Assert.StartsWith("HTTP/1.1 200 OK", text);
        Assert.Contains("partial", text);
        Assert.DoesNotContain("\r\n0\r\n\r\n", text);
    }

    [Fact]
    public async Task Head_gets_the_length_but_no_body()
    {
        await using var server = new InProcessServer(new TestApp());
        using var client = new RawClient(server.Port);
        await client.SendAsync("HEAD /x HTTP/1.1\r\nConnection: close\r\n\r\n");
        var text = TestApp.Text(await client.ReadToEndAsync());
        Assert.Matches("Content-Length: [1-9][0-9]*\r\n", text);
        Assert.EndsWith("\r\n\r\n", text);
    }

    [Fact]
    public async Task Http10_closes_and_streams_until_close_when_the_length_is_unknown()
    {
        await using var server = new InProcessServer(new TestApp());
        using var client = new RawClient(server.Port);
        await client.SendAsync("GET /stream?n=3&size=10 HTTP/1.0\r\n\r\n");
        var response = HttpResponseReader.ReadAll(await client.ReadToEndAsync()).Single();
        Assert.Null(response.Header("Transfer-Encoding"));
        Assert.Equal("close", response.Header("Connection"));
        Assert.Equal(30, response.Body.Length);
    }

    [Fact]
    public async Task An_idle_keep_alive_connection_is_closed_after_the_keepalive_timeout()
    {
        await using var server = new InProcessServer(new TestApp(), new HttpServerOptions { KeepAlive = TimeSpan.FromMilliseconds(200) });
        using var client = new RawClient(server.Port);
        await client.SendAsync("GET / HTTP/1.1\r\n\r\n");
        var rest = await client.ReadToEndAsync(TimeSpan.FromSeconds(10));
        Assert.Single(HttpResponseReader.ReadAll(rest));
    }

    [Fact]
    public async Task Draining_answers_with_connection_close_and_closes_idle_connections()
    {
        var app = new TestApp();
        await using var server = new InProcessServer(app);
        using var busy = new RawClient(server.Port);
        using var idle = new RawClient(server.Port);
        await idle.SendAsync("GET /first HTTP/1.1\r\n\r\n");
        await idle.ReadUntilAsync(b => HasResponses(b, 1));
        await busy.SendAsync("GET /wait HTTP/1.1\r\n\r\n");
        await app.WaitStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        server.State.BeginDraining();
        Assert.Empty(await idle.ReadToEndAsync());
        app.Gate.SetResult();
        var response = HttpResponseReader.ReadAll(await busy.ReadToEndAsync()).Single();
        Assert.Equal("close", response.Header("Connection"));
        Assert.Equal("waited", response.BodyText);
    }

    [Fact]
    public async Task A_client_that_goes_away_cancels_the_request()
    {
        var app = new TestApp();
        await using var server = new InProcessServer(app);
        var client = new RawClient(server.Port);
        await client.SendAsync("GET /wait HTTP/1.1\r\n\r\n");
        await app.WaitStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        client.Dispose();
        Assert.True(await app.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        app.Gate.SetResult();
    }
}
