using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AkkaGunicorn.Integration.Tests.Support;
using static AkkaGunicorn.Integration.Tests.Support.ExternalCommand;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>
/// HTTP/2 with <c>http_protocols = "h2, h1"</c> against real clients: curl (prior knowledge and ALPN), HttpClient
/// multiplexing on one connection, h2load, a reload under HTTP/2 load, and raw frames for the floods of 2023-2024
/// (rapid reset, CONTINUATION) and protocol errors.
/// </summary>
public sealed class Http2Tests(ITestOutputHelper output) : IDisposable
{
    private readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    private Task<ServerProcess> StartAsync(int workers = 1, params string[] extra) =>
        ServerProcess.StartServingAsync(Paths.Echo, workers, output, ["--http-protocols", "h2,h1", "--control-socket-disable", .. extra]);

    private static HttpClient H2Client(SocketsHttpHandler? handler = null) => new(handler ?? new SocketsHttpHandler())
    {
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(30),
    };

    [Fact]
    public async Task Curl_gets_http2_by_prior_knowledge_and_http1_on_the_same_port()
    {
        await using var server = await StartAsync();
        var url = $"http://127.0.0.1:{server.Port}";
        var body = Path.Combine(_certificates.Directory, "body.bin");
        File.WriteAllBytes(body, RandomNumberGenerator.GetBytes(3_000_000));
        // One request per curl: curl 7.88 fails a reused prior-knowledge connection ("HTTP2 framing layer") against
        // Kestrel too; reuse and multiplexing are HttpClient's test below.
        var (code, h2) = await RunAsync("curl", "-sS", "--http2-prior-knowledge", $"{url}/a?x=1");
        Assert.Equal(0, code);
        var get = JsonNode.Parse(h2)!;
        Assert.Equal(("HTTP/2", "/a", "x=1"), ((string)get["version"]!, (string)get["path"]!, (string)get["query"]!));
        Assert.Contains(get["headers"]!.AsArray(), h => (string)h![0]! == "host" && (string)h[1]! == $"127.0.0.1:{server.Port}");
        var (uploadCode, uploaded) = await RunAsync("curl", "-sS", "--http2-prior-knowledge", "--data-binary", $"@{body}", $"{url}/upload");
        Assert.Equal(0, uploadCode);
        var upload = JsonNode.Parse(uploaded)!;
        Assert.Equal(3_000_000, (int)upload["body_length"]!);
        Assert.Equal(File.ReadAllBytes(body), Convert.FromBase64String((string)upload["body_base64"]!));

        var (headCode, head) = await RunAsync("curl", "-sS", "--http2-prior-knowledge", "-I", $"{url}/h");
        Assert.Equal(0, headCode);
        Assert.StartsWith("HTTP/2 200", head);
        var (http1Code, http1) = await RunAsync("curl", "-sS", "--http1.1", $"{url}/h1");
        Assert.Equal(0, http1Code);
        Assert.Equal("HTTP/1.1", (string)JsonNode.Parse(http1)!["version"]!);
    }

    [Fact]
    public async Task HttpClient_multiplexes_concurrent_requests_with_flow_control_both_ways()
    {
        await using var server = await StartAsync();
        using var http = H2Client();
        var url = $"http://127.0.0.1:{server.Port}";
        // Bodies beyond every window (64 KiB per stream), up and down, among many small requests on one connection.
        var uploads = Enumerable.Range(0, 4).Select(async i =>
        {
            var data = RandomNumberGenerator.GetBytes(700_000 + i);
            using var response = await http.PostAsync($"{url}/up{i}", new ByteArrayContent(data));
            Assert.Equal(HttpVersion.Version20, response.Version);
            var echoed = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(data, Convert.FromBase64String((string)echoed["body_base64"]!));
        });
        var gets = Enumerable.Range(0, 200).Select(async i =>
        {
            using var response = await http.GetAsync($"{url}/get{i}");
            Assert.Equal((HttpStatusCode.OK, HttpVersion.Version20), (response.StatusCode, response.Version));
            Assert.Equal($"/get{i}", (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["path"]!);
        });
        await Task.WhenAll(uploads.Concat(gets));

        // Streams after one another reuse the server's per-stream state: nothing of one request shows in the next.
        using (var marked = new HttpRequestMessage(HttpMethod.Get, $"{url}/marked"))
        {
            marked.Headers.Add("x-only-once", "1");
            using var first = await http.SendAsync(marked);
            Assert.Contains("x-only-once", await first.Content.ReadAsStringAsync());
        }
        for (int i = 0; i < 20; i++)
            Assert.DoesNotContain("x-only-once", await http.GetStringAsync($"{url}/after{i}"));
    }

    [Fact]
    public async Task A_stream_whose_body_trickles_is_reset_and_the_connection_serves_on()
    {
        await using var server = await StartAsync(1, "--min-request-body-rate", "1000", "--data-rate-grace", "1");
        using var http = H2Client();
        var url = $"http://127.0.0.1:{server.Port}";
        var stalled = new TaskCompletionSource();
        try
        {
            var started = DateTime.UtcNow;
            var error = await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.PostAsync($"{url}/slow", new StalledContent(stalled.Task)));
            output.WriteLine($"after {(DateTime.UtcNow - started).TotalSeconds:F1} s: {error.GetBaseException().Message}");
            Assert.Contains("CANCEL", error.GetBaseException().Message, StringComparison.OrdinalIgnoreCase);
            using var after = await http.GetAsync($"{url}/after");
            Assert.Equal((HttpStatusCode.OK, HttpVersion.Version20), (after.StatusCode, after.Version));
        }
        finally
        {
            stalled.TrySetResult();
        }
    }

    /// <summary>Ten bytes of a body, then nothing until <paramref name="release"/>.</summary>
    private sealed class StalledContent(Task release) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(new byte[10]);
            await stream.FlushAsync();
            await release;
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [SkippableFact]
    public async Task H2load_runs_many_concurrent_streams_without_a_failure()
    {
        Skip.If(!File.Exists("/usr/bin/h2load"), "h2load (nghttp2-client) is not installed");
        await using var server = await StartAsync(workers: 2);
        var (code, report) = await RunAsync("h2load", "-n", "20000", "-c", "8", "-m", "32", $"http://127.0.0.1:{server.Port}/");
        output.WriteLine(report);
        Assert.Equal(0, code);
        Assert.Contains("20000 succeeded, 0 failed, 0 errored, 0 timeout", report);
        Assert.Contains("status codes: 20000 2xx", report);
    }

    [Fact]
    public async Task Tls_offers_h2_by_alpn_and_still_serves_http1_clients()
    {
        var (cert, key, _) = _certificates.Server();
        await using var server = await StartAsync(1, "--certfile", cert, "--keyfile", key);
        var url = $"https://127.0.0.1:{server.Port}/t";
        var (code, h2) = await RunAsync("curl", "-sS", "--http2", "--cacert", _certificates.CaFile, url, "-w", "\\n%{http_version}\\n");
        Assert.Equal(0, code);
        Assert.EndsWith("\n2\n", h2);
        var echoed = JsonNode.Parse(h2.Split('\n')[0])!;
        Assert.Equal(("HTTP/2", "https", "h2"), ((string)echoed["version"]!, (string)echoed["scheme"]!, (string)echoed["tls"]!["alpn"]!));
        var (http1Code, http1) = await RunAsync("curl", "-sS", "--http1.1", "--cacert", _certificates.CaFile, url);
        Assert.Equal(0, http1Code);
        Assert.Equal("http/1.1", (string)JsonNode.Parse(http1)!["tls"]!["alpn"]!);

        using var http = H2Client(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, c, _, _) => _certificates.Signed(new(c!)) },
        });
        using var response = await http.GetAsync(url);
        Assert.Equal(HttpVersion.Version20, response.Version);
    }

    [SkippableFact]
    public async Task A_browser_gets_server_sent_events_from_an_aspnetcore_app_over_h2()
    {
        Skip.If(HeadlessChromium.Unavailable is not null, HeadlessChromium.Unavailable);
        var (cert, key, _) = _certificates.Server();
        await using var server = await ServerProcess.StartServingAsync(Paths.AspNetProbe, 1, output,
            "--http-protocols", "h2,h1", "--control-socket-disable", "--certfile", cert, "--keyfile", key);
        // The test CA is not in the browser's store; the certificate's chain is TlsTests' concern.
        await using var browser = await HeadlessChromium.StartAsync("--ignore-certificate-errors");
        await browser.NavigateAsync($"https://127.0.0.1:{server.Port}/sse.html");
        var log = await browser.WaitForAsync("document.getElementById('log')?.textContent ?? ''", v => v?.Contains("event 3") == true, TimeSpan.FromSeconds(30));
        Assert.Equal("event 1\nevent 2\nevent 3\n", log);
        Assert.Equal("h2", await browser.EvaluateAsync("performance.getEntriesByType('navigation')[0].nextHopProtocol"));
    }

    [Fact]
    public async Task An_aspnetcore_app_sees_http2_as_on_kestrel()
    {
        await using var server = await ServerProcess.StartServingAsync(Paths.AspNetProbe, 1, output, "--http-protocols", "h2,h1", "--control-socket-disable");
        using var http = H2Client();
        var url = $"http://127.0.0.1:{server.Port}/protocol";
        var first = JsonNode.Parse(await http.GetStringAsync(url))!;
        var second = JsonNode.Parse(await http.GetStringAsync(url))!;
        Assert.Equal(("HTTP/2", 1, 3), ((string)first["protocol"]!, (int)first["streamId"]!, (int)second["streamId"]!));
        Assert.Null(first["upgradable"]);
        using var http1 = new HttpClient();
        var overHttp1 = JsonNode.Parse(await http1.GetStringAsync(url))!;
        Assert.Equal(("HTTP/1.1", false), ((string)overHttp1["protocol"]!, (bool)overHttp1["upgradable"]!));
        Assert.Null(overHttp1["streamId"]);
    }

    [Fact]
    public async Task A_reload_under_http2_load_fails_no_request()
    {
        await using var server = await StartAsync(workers: 2);
        using var http = H2Client();
        long ok = 0, failed = 0;
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 4).Select(c => Task.Run(async () =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    using var response = await http.GetAsync($"http://127.0.0.1:{server.Port}/c{c}/{i}");
                    if (response.StatusCode == HttpStatusCode.OK && response.Version == HttpVersion.Version20) Interlocked.Increment(ref ok);
                    else throw new InvalidOperationException($"{response.StatusCode} over {response.Version}");
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref failed);
                    errors.Enqueue(e.GetBaseException().Message);
                }
            }
        })).ToList();
        await Eventually.UntilAsync(() => Interlocked.Read(ref ok) > 300, "300 requests before the reload");
        server.Signal(Posix.SIGHUP);
        await server.WaitForLineAsync(new Regex("Reload complete: generation 2 serves with 2 workers"));
        await server.WaitForCountAsync(server.WorkerExitedRegex(), 2);
        long before = Interlocked.Read(ref ok);
        await Eventually.UntilAsync(() => Interlocked.Read(ref ok) > before + 300, "300 requests after the reload");
        stop.Cancel();
        await Task.WhenAll(clients);
        output.WriteLine($"{ok} requests over HTTP/2, {failed} failed: {string.Join("; ", errors.Take(5))}");
        Assert.Equal(0, failed);
    }

    [Fact]
    public async Task A_rapid_reset_flood_gets_goaway_enhance_your_calm_and_others_are_served()
    {
        await using var server = await StartAsync();
        using var client = await RawH2.ConnectAsync(server.Port);
        var frames = new List<byte>();
        for (int stream = 1; stream < 4000; stream += 2)
        {
            frames.AddRange(RawH2.Frame(1, 0x5, stream, RawH2.GetBlock));
            frames.AddRange(RawH2.Frame(3, 0, stream, [0, 0, 0, 8]));
        }
        await client.SendAsync([.. frames]);
        var (error, debug) = await client.ReadGoAwayAsync();
        output.WriteLine($"GOAWAY {error}: {debug}");
        Assert.Equal(0xbu, error);
        Assert.True(await client.ClosedAsync());
        var (code, ok) = await RunAsync("curl", "-sS", "--http2-prior-knowledge", $"http://127.0.0.1:{server.Port}/after");
        Assert.Equal(0, code);
        Assert.Contains("\"version\":\"HTTP/2\"", ok);
    }

    [Theory]
    [InlineData(16384, 20)]
    [InlineData(0, 200)]
    public async Task A_continuation_flood_is_cut_off(int size, int count)
    {
        await using var server = await StartAsync();
        using var client = await RawH2.ConnectAsync(server.Port);
        var frames = new List<byte>(RawH2.Frame(1, 0x1, 1, RawH2.GetBlock));
        var filler = new byte[size];
        Array.Fill(filler, (byte)0x82);
        for (int i = 0; i < count; i++) frames.AddRange(RawH2.Frame(9, 0, 1, filler));
        await client.SendAsync([.. frames], tolerateReset: true);
        var (error, debug) = await client.ReadGoAwayAsync();
        output.WriteLine($"GOAWAY {error}: {debug}");
        Assert.Equal(0xbu, error);
        Assert.True(await client.ClosedAsync());
    }

    [Fact]
    public async Task Padded_frames_reach_the_app_without_their_padding()
    {
        await using var server = await StartAsync();
        using var client = await RawH2.ConnectAsync(server.Port);
        static byte[] Padded(string text, int padding) => [(byte)padding, .. System.Text.Encoding.ASCII.GetBytes(text), .. new byte[padding]];
        await client.SendAsync([
            .. RawH2.Frame(1, 0x4 | 0x8, 1, [5, .. RawH2.PostBlock, 0, 0, 0, 0, 0]),
            .. RawH2.Frame(0, 0x8, 1, Padded("hello", 200)),
            .. RawH2.Frame(0, 0x8 | 0x1, 1, Padded(" world", 3)),
        ]);
        var body = JsonNode.Parse(await client.ReadBodyAsync(1))!;
        Assert.Equal(("POST", "hello world"), ((string)body["method"]!, System.Text.Encoding.ASCII.GetString(Convert.FromBase64String((string)body["body_base64"]!))));
    }

    [Fact]
    public async Task Behind_a_proxy_protocol_balancer_h2c_sees_the_client_it_names()
    {
        await using var server = await StartAsync(1, "--proxy-protocol");
        using (var client = await RawH2.ConnectAsync(server.Port, prefix: "PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\n"u8.ToArray()))
        {
            await client.SendAsync(RawH2.Frame(1, 0x5, 1, RawH2.GetBlock));
            var body = JsonNode.Parse(await client.ReadBodyAsync(1))!;
            Assert.Equal(("HTTP/2", "203.0.113.7"), ((string)body["version"]!, (string)body["remote_addr"]!));
        }
        var (code, viaCurl) = await RunAsync("curl", "-sS", "--haproxy-protocol", "--http2-prior-knowledge", $"http://127.0.0.1:{server.Port}/c");
        Assert.Equal(0, code);
        Assert.Equal("HTTP/2", (string)JsonNode.Parse(viaCurl)!["version"]!);
        var (http1Code, http1) = await RunAsync("curl", "-sS", "--haproxy-protocol", $"http://127.0.0.1:{server.Port}/h1");
        Assert.Equal(0, http1Code);
        Assert.Equal("HTTP/1.1", (string)JsonNode.Parse(http1)!["version"]!);
    }

    [Fact]
    public async Task A_client_that_half_closes_after_its_request_still_gets_the_answer()
    {
        await using var server = await StartAsync();
        // The whole session in one write, then the client's side closed, as a scripted client (nc) does.
        using var client = await RawH2.ConnectAsync(server.Port);
        await client.SendAsync(RawH2.Frame(1, 0x5, 1, RawH2.GetBlock));
        client.FinishSending();
        var body = JsonNode.Parse(await client.ReadBodyAsync(1))!;
        Assert.Equal(("GET", "HTTP/2"), ((string)body["method"]!, (string)body["version"]!));
        var (error, _) = await client.ReadGoAwayAsync();
        Assert.Equal(0u, error);
        Assert.True(await client.ClosedAsync());
    }

    [Theory]
    [InlineData("data on stream 0", 0x1u)]
    [InlineData("headers on an even stream", 0x1u)]
    [InlineData("a frame beyond the maximum size", 0x6u)]
    [InlineData("a broken header block", 0x9u)]
    [InlineData("a window beyond 2^31-1", 0x3u)]
    [InlineData("a preface without SETTINGS", 0x1u)]
    public async Task Protocol_errors_get_goaway_with_their_code(string what, uint expected)
    {
        await using var server = await StartAsync();
        using var client = await RawH2.ConnectAsync(server.Port, settings: what != "a preface without SETTINGS");
        byte[] frame = what switch
        {
            "data on stream 0" => RawH2.Frame(0, 0, 0, [1, 2, 3]),
            "headers on an even stream" => RawH2.Frame(1, 0x5, 2, RawH2.GetBlock),
            "a frame beyond the maximum size" => RawH2.Frame(0, 0, 1, new byte[20000]),
            "a broken header block" => RawH2.Frame(1, 0x5, 1, [0xbe]),
            "a preface without SETTINGS" => RawH2.Frame(6, 0, 0, new byte[8]),
            _ => [.. RawH2.Frame(8, 0, 0, [0x7f, 0xff, 0xff, 0xff]), .. RawH2.Frame(8, 0, 0, [0x7f, 0xff, 0xff, 0xff])],
        };
        await client.SendAsync(frame, tolerateReset: true);
        var (error, _) = await client.ReadGoAwayAsync();
        Assert.Equal(expected, error);
    }

    /// <summary>A client that writes frames by hand: what no well-behaved library would send.</summary>
    private sealed class RawH2 : IDisposable
    {
        // :method GET, :scheme http, :path /, :authority www.example.com (RFC 7541 C.3.1).
        public static readonly byte[] GetBlock = Convert.FromHexString("828684410f7777772e6578616d706c652e636f6d");
        // The same with :method POST.
        public static readonly byte[] PostBlock = Convert.FromHexString("838684410f7777772e6578616d706c652e636f6d");
        private readonly Socket _socket;
        private readonly NetworkStream _stream;

        private RawH2(Socket socket)
        {
            _socket = socket;
            _stream = new NetworkStream(socket, ownsSocket: true);
        }

        public static async Task<RawH2> ConnectAsync(int port, bool settings = true, byte[]? prefix = null)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, port);
            var client = new RawH2(socket);
            await client.SendAsync([.. prefix ?? [], .. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray(), .. settings ? Frame(4, 0, 0, []) : []]);
            return client;
        }

        public static byte[] Frame(byte type, byte flags, int stream, byte[] payload)
        {
            var frame = new byte[9 + payload.Length];
            frame[0] = (byte)(payload.Length >> 16);
            frame[1] = (byte)(payload.Length >> 8);
            frame[2] = (byte)payload.Length;
            frame[3] = type;
            frame[4] = flags;
            BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), stream);
            payload.CopyTo(frame, 9);
            return frame;
        }

        public async Task SendAsync(byte[] bytes, bool tolerateReset = false)
        {
            try
            {
                await _stream.WriteAsync(bytes);
            }
            catch (IOException) when (tolerateReset)
            {
                // The server may close before the whole flood is written: what the test is about.
            }
        }

        /// <summary>Reads frames until a GOAWAY; returns its error code and debug text.</summary>
        public async Task<(uint Error, string Debug)> ReadGoAwayAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            var header = new byte[9];
            while (true)
            {
                await _stream.ReadExactlyAsync(header, timeout.Token);
                int length = header[0] << 16 | header[1] << 8 | header[2];
                var payload = new byte[length];
                await _stream.ReadExactlyAsync(payload, timeout.Token);
                if (header[3] == 7)
                    return (BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(4)), System.Text.Encoding.ASCII.GetString(payload, 8, length - 8));
            }
        }

        /// <summary>Reads frames until <paramref name="stream"/> ends; returns its DATA as text.</summary>
        public async Task<string> ReadBodyAsync(int stream)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            var header = new byte[9];
            var body = new MemoryStream();
            while (true)
            {
                await _stream.ReadExactlyAsync(header, timeout.Token);
                int length = header[0] << 16 | header[1] << 8 | header[2];
                var payload = new byte[length];
                await _stream.ReadExactlyAsync(payload, timeout.Token);
                if (BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) != stream) continue;
                if (header[3] == 0) body.Write(payload);
                if (header[3] is 0 or 1 && (header[4] & 0x1) != 0) return System.Text.Encoding.UTF8.GetString(body.ToArray());
            }
        }

        /// <summary>Whether the server closes the connection (reads end) within seconds.</summary>
        public async Task<bool> ClosedAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var buffer = new byte[4096];
            try
            {
                while (await _stream.ReadAsync(buffer, timeout.Token) > 0) { }
                return true;
            }
            catch (IOException)
            {
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        /// <summary>Shuts down the sending side (a TCP half-close).</summary>
        public void FinishSending() => _socket.Shutdown(SocketShutdown.Send);

        public void Dispose() => _stream.Dispose();
    }
}
