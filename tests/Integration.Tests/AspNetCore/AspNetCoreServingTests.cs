using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;

namespace AkkaGunicorn.Integration.Tests.AspNetCore;

/// <summary>
/// What an ASP.NET Core app relies on from its server, driven through the probe app in a real worker: the client going
/// away, large bodies, Kestrel's body limit, trailers both ways, the request's path and connection, synchronous IO,
/// ending a response early, and an unhandled exception.
/// </summary>
public sealed class AspNetCoreServingTests(ProbeServer probe) : IClassFixture<ProbeServer>
{
    private HttpClient Client() => new() { BaseAddress = new Uri($"http://127.0.0.1:{probe.Server.Port}"), Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task A_client_that_disconnects_mid_stream_fires_the_apps_RequestAborted_and_the_worker_serves_on()
    {
        using (var client = new RawClient(probe.Server.Port))
        {
            await client.SendAsync("GET /forever HTTP/1.1\r\nHost: x\r\n\r\n");
            var seen = new StringBuilder();
            var buffer = new byte[4096];
            using var stream = new NetworkStream(client.Socket);
            while (!seen.ToString().Contains("tick 3\n"))
            {
                int read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
                Assert.True(read > 0, "the stream ended before the client left");
                seen.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        var traceId = await File.ReadAllTextAsync(await probe.WaitForEventAsync("aborted-"));
        Assert.Matches("^[0-9A-V]{13}:[0-9A-F]{8}$", traceId);
        using var http = Client();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/host")).StatusCode);
    }

    [Fact]
    public async Task The_app_runs_under_its_own_runtime_settings_as_under_dotnet_App_dll()
    {
        using var http = Client();
        var ours = await http.GetStringAsync("/runtime");
        await using var kestrel = await KestrelProcess.StartAsync(Paths.AspNetProbe);
        using var reference = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{kestrel.Port}") };
        Assert.Equal(await reference.GetStringAsync("/runtime"), ours);
        // Not merely equal: Server GC and culture data as its runtimeconfig asks, its own switches (one the server
        // would otherwise set for itself), its folder, itself.
        var folder = Path.GetDirectoryName(Paths.AspNetProbe)! + "/";
        Assert.Equal($$"""{"serverGC":true,"enGB":"01/01/1970","switch":true,"spinLimit":"7","baseDirectory":"{{folder}}","entryAssembly":"AspNetProbe"}""", ours);
        // Nor does the gen0 floor a worker on the server's own settings gets reach it: its GC sizes itself as on Kestrel.
        var environment = File.ReadAllText($"/proc/{probe.Server.WorkerPids[^1]}/environ").Split('\0');
        Assert.Contains(environment, e => e.StartsWith("DOTNET_TC_CallCountThreshold="));
        Assert.DoesNotContain(environment, e => e.StartsWith("DOTNET_GCgen0size="));
    }

    [SkippableFact]
    public async Task Server_sent_events_written_without_a_flush_reach_a_real_browser_while_the_stream_stays_open()
    {
        Skip.If(HeadlessChromium.Unavailable is not null, HeadlessChromium.Unavailable);
        await using var browser = await HeadlessChromium.StartAsync();
        await browser.NavigateAsync($"http://127.0.0.1:{probe.Server.Port}/sse.html");
        var log = await browser.WaitForAsync("document.getElementById('log')?.textContent ?? ''", v => v?.Contains("event 3") == true, TimeSpan.FromSeconds(30));
        Assert.Equal("event 1\nevent 2\nevent 3\n", log);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_large_upload_is_read_whole_by_the_app(bool chunked)
    {
        var body = new byte[24 * 1024 * 1024];
        Random.Shared.NextBytes(body);
        using var http = Client();
        HttpContent content = chunked ? new StreamContent(new MemoryStream(body)) : new ByteArrayContent(body);
        if (chunked) content.Headers.ContentLength = null;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = content };
        request.Headers.TransferEncodingChunked = chunked;
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(body.Length, (long)answer["length"]!);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), (string)answer["sha256"]!);
    }

    [Fact]
    public async Task A_body_declared_over_Kestrels_limit_gets_413_as_on_Kestrel()
    {
        using var client = new RawClient(probe.Server.Port);
        await client.SendAsync("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 30000001\r\n\r\nsome of it");
        var answer = Encoding.ASCII.GetString(await client.ReadToEndAsync(TimeSpan.FromSeconds(20)));
        Assert.StartsWith("HTTP/1.1 413 ", answer);
        Assert.Contains("Connection: close", answer);
    }

    [Fact]
    public async Task Response_trailers_follow_the_last_chunk()
    {
        using var client = new RawClient(probe.Server.Port);
        await client.SendAsync("GET /trailers HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: close\r\n\r\n");
        var answer = Encoding.ASCII.GetString(await client.ReadToEndAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("Trailer: x-checksum\r\n", answer);
        Assert.EndsWith("\r\n14\r\nbody with a trailer\n\r\n0\r\nx-checksum: c0ffee\r\n\r\n", answer);
    }

    [Fact]
    public async Task Request_trailers_reach_the_app_once_it_has_read_the_body()
    {
        using var client = new RawClient(probe.Server.Port);
        await client.SendAsync("POST /request-trailer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
                               "5\r\nhello\r\n0\r\nX-Signature: sig-123\r\n\r\n");
        var answer = Encoding.ASCII.GetString(await client.ReadToEndAsync(TimeSpan.FromSeconds(20)));
        Assert.StartsWith("HTTP/1.1 200 ", answer);
        Assert.EndsWith("sig-123", answer.TrimEnd('\r', '\n', '0'));
    }

    [Fact]
    public async Task The_app_runs_from_its_own_folder_under_its_own_name_and_sees_the_connection()
    {
        using var http = Client();
        var host = JsonNode.Parse(await http.GetStringAsync("/host?x=1&y=%20"))!;
        Assert.Equal(Path.GetDirectoryName(Support.Paths.AspNetProbe), (string)host["contentRoot"]!);
        Assert.Equal("AspNetProbe", (string)host["applicationName"]!);
        Assert.Equal("/host", (string)host["path"]!);
        Assert.Equal("?x=1&y=%20", (string)host["query"]!);
        Assert.Equal("127.0.0.1", (string)host["remote"]!);
        Assert.Matches("^[0-9A-V]{13}$", (string)host["connectionId"]!);
        Assert.NotEqual(probe.Server.Pid, (int)host["pid"]!);
    }

    [Theory]
    [InlineData("/path/a%20b/c", "/path/a b/c")]
    [InlineData("/path/a%2Fb", "/path/a%2Fb")]
    [InlineData("/path/x/../y/./z", "/path/y/z")]
    [InlineData("/path/caf%C3%A9", "/path/café")]
    public async Task Paths_are_decoded_as_Kestrel_decodes_them(string target, string path)
    {
        using var client = new RawClient(probe.Server.Port);
        await client.SendAsync($"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var answer = Encoding.UTF8.GetString(await client.ReadToEndAsync(TimeSpan.FromSeconds(20)));
        Assert.StartsWith("HTTP/1.1 200 ", answer);
        Assert.Contains(path, answer[answer.IndexOf("\r\n\r\n", StringComparison.Ordinal)..]);
    }

    [Fact]
    public async Task Synchronous_reads_are_refused_as_on_Kestrel()
    {
        using var http = Client();
        using var response = await http.PostAsync("/sync-read", new StringContent("data"));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("Synchronous operations are disallowed", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_response_completed_early_reaches_the_client_and_OnCompleted_runs_after()
    {
        using var http = Client();
        Assert.Equal("complete\n", await http.GetStringAsync("/complete-early"));
        await probe.WaitForEventAsync("completed-");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/host")).StatusCode);
    }

    [Fact]
    public async Task An_unhandled_exception_is_a_bare_500_and_the_worker_serves_on()
    {
        using var http = Client();
        using var response = await http.GetAsync("/throw");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(0, response.Content.Headers.ContentLength);
        var host = JsonNode.Parse(await http.GetStringAsync("/host"))!;
        Assert.Equal(probe.Server.WorkerPids.Single(), (int)host["pid"]!);
    }
}
