using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests.AspNetCore;

/// <summary>
/// The example ASP.NET Core app, unmodified, on AkkaGunicorn's worker processes and alone on Kestrel: the same client
/// script against each must get the same answers (status, the headers that matter, body). One worker, because the
/// app's todo store lives in its process.
/// </summary>
public sealed partial class WebApiParityTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ServerProcess _server = null!;
    private KestrelProcess _kestrel = null!;

    public async Task InitializeAsync()
    {
        var server = ServerProcess.StartServingAsync(Paths.WebApi, workers: 1, output);
        var kestrel = KestrelProcess.StartAsync(Paths.WebApi);
        _server = await server;
        _kestrel = await kestrel;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _kestrel.DisposeAsync();
    }

    /// <summary>The headers a client acts on; Date and Server differ by design.</summary>
    private static readonly string[] HeadersThatMatter =
        ["Content-Type", "Content-Length", "Transfer-Encoding", "Location", "Allow", "Cache-Control", "Pragma", "Expires"];

    [Fact]
    public async Task The_same_client_script_gets_the_same_answers_from_both_servers()
    {
        var ours = await RunScriptAsync(_server.Port);
        var kestrel = await RunScriptAsync(_kestrel.Port);
        for (int i = 0; i < kestrel.Count; i++) output.WriteLine(ours[i]);
        Assert.Equal(kestrel, ours);
        // And the answers are the example's documented ones, not merely equal.
        Assert.Contains("GET / -> 200 | Content-Type: text/plain; charset=utf-8 | Transfer-Encoding: chunked | Hello, World!", ours);
        Assert.Contains("POST /todos {\"title\":\"milk\"} -> 201 | Content-Type: application/json; charset=utf-8 | Transfer-Encoding: chunked | Location: /todos/1 | {\"id\":1,\"title\":\"milk\",\"done\":false}", ours);
        Assert.Contains(ours, l => l.StartsWith("GET /boom -> 500 | Content-Type: application/problem+json", StringComparison.Ordinal));
        Assert.Contains("GET /todos/3 -> 404 | Content-Length: 0 | ", ours);
    }

    [Fact]
    public async Task The_stream_endpoint_sends_each_line_as_its_own_chunk_on_both_servers()
    {
        foreach (var port in new[] { _server.Port, _kestrel.Port })
        {
            var wire = await RawGetAsync(port, "/stream");
            var body = wire[(wire.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
            Assert.Equal("7\r\nline 1\n\r\n7\r\nline 2\n\r\n7\r\nline 3\n\r\n7\r\nline 4\n\r\n7\r\nline 5\n\r\n0\r\n\r\n", body);
        }
    }

    private static async Task<List<string>> RunScriptAsync(int port)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };
        var transcript = new List<string>();
        async Task Send(HttpMethod method, string path, string? json = null)
        {
            using var request = new HttpRequestMessage(method, path);
            if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
            using var response = await client.SendAsync(request);
            transcript.Add($"{method} {path}{(json is null ? "" : " " + json)} -> {await DescribeAsync(response)}");
        }
        await Send(HttpMethod.Get, "/");
        await Send(HttpMethod.Get, "/todos");
        await Send(HttpMethod.Post, "/todos", """{"title":"milk"}""");
        await Send(HttpMethod.Post, "/todos", """{"title":"eggs and ham"}""");
        await Send(HttpMethod.Get, "/todos/1");
        await Send(HttpMethod.Get, "/todos/2");
        await Send(HttpMethod.Get, "/todos/3");
        await Send(HttpMethod.Get, "/todos/not-a-number");
        await Send(HttpMethod.Get, "/todos");
        await Send(HttpMethod.Post, "/todos", "{}");
        await Send(HttpMethod.Post, "/todos", "{not json");
        await Send(HttpMethod.Get, "/stream");
        await Send(HttpMethod.Get, "/boom");
        await Send(HttpMethod.Get, "/no/such/path");
        await Send(HttpMethod.Head, "/");
        await Send(HttpMethod.Delete, "/todos/1");
        await Send(HttpMethod.Get, "/?a=1&b=%20x");
        return transcript;
    }

    private static async Task<string> DescribeAsync(HttpResponseMessage response)
    {
        var parts = new List<string> { ((int)response.StatusCode).ToString() };
        foreach (var name in HeadersThatMatter)
        {
            if (response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values))
                parts.Add($"{name}: {string.Join(", ", values)}");
        }
        var body = await response.Content.ReadAsStringAsync();
        // Trace ids are random per request, on any server.
        parts.Add(TraceIdRegex().Replace(body, "\"traceId\":\"*\""));
        return string.Join(" | ", parts);
    }

    private static async Task<string> RawGetAsync(int port, string path)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        using var stream = new NetworkStream(socket);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var memory = new MemoryStream();
        await stream.CopyToAsync(memory, cts.Token);
        return Encoding.UTF8.GetString(memory.ToArray());
    }

    [GeneratedRegex("\"traceId\":\"[^\"]*\"")]
    private static partial Regex TraceIdRegex();
}
