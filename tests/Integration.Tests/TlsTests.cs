using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AkkaGunicorn.Integration.Tests.Support;
using static AkkaGunicorn.Integration.Tests.Support.ExternalCommand;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>
/// HTTPS with Gunicorn's settings against real clients (curl, openssl s_client, HttpClient, a raw SslStream), with a
/// certificate authority, server and client certificates made for each test.
/// </summary>
public sealed class TlsTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    private async Task<ServerProcess> StartAsync(string app, int workers, params string[] extra)
    {
        var (cert, key, _) = _certificates.Server();
        return await ServerProcess.StartServingAsync(
            ["--workers", workers.ToString(), "--control-socket-disable", "--certfile", cert, "--keyfile", key, .. extra, app], workers, output);
    }

    /// <summary>An HttpClient that trusts only the test CA (and, given one, presents a client certificate).</summary>
    private HttpClient Client(X509Certificate2? clientCertificate = null, Action<X509Certificate2>? seen = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    var server = new X509Certificate2(certificate!);
                    seen?.Invoke(server);
                    return _certificates.Signed(server);
                },
                ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(15) };
    }

    [Fact]
    public async Task Curl_and_HttpClient_get_https_with_keep_alive_and_the_app_sees_the_scheme()
    {
        await using var server = await StartAsync(Paths.Echo, 1);
        var (code, curl) = await RunAsync("curl", "-s", "--cacert", _certificates.CaFile, $"https://127.0.0.1:{server.Port}/a", $"https://127.0.0.1:{server.Port}/b",
            "-w", "\\n%{http_code} %{num_connects}\\n");
        output.WriteLine(curl);
        Assert.Equal(0, code);
        Assert.Contains("\"scheme\":\"https\"", curl);
        Assert.Contains("\"alpn\":\"http/1.1\"", curl);
        Assert.Contains("200 0", curl); // the second request reused the connection

        using var http = Client();
        for (int i = 0; i < 5; i++)
        {
            var body = JsonNode.Parse(await http.GetStringAsync($"https://127.0.0.1:{server.Port}/h{i}"))!;
            Assert.Equal("https", (string)body["scheme"]!);
            Assert.StartsWith("Tls1", (string)body["tls"]!["protocol"]!);
        }
        var (protocolCode, refused) = await RunAsync("openssl", "s_client", "-connect", $"127.0.0.1:{server.Port}", "-tls1_1");
        output.WriteLine(refused);
        Assert.NotEqual(0, protocolCode);
        Assert.Contains("protocol version", refused);
    }

    [Fact]
    public async Task Pipelined_requests_over_tls_are_answered_in_order()
    {
        await using var server = await StartAsync(Paths.Echo, 1);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, server.Port);
        await using var tls = new SslStream(new NetworkStream(socket), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", EnabledSslProtocols = SslProtocols.Tls13 });
        await tls.WriteAsync(Encoding.ASCII.GetBytes("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        var all = new MemoryStream();
        await tls.CopyToAsync(all).WaitAsync(TimeSpan.FromSeconds(15));
        var text = Encoding.ASCII.GetString(all.ToArray());
        var paths = Regex.Matches(text, "\"path\":\"(/\\d)\"").Select(m => m.Groups[1].Value);
        Assert.Equal(["/1", "/2", "/3"], paths);
    }

    [Fact]
    public async Task Required_client_certificates_are_checked_and_reach_native_and_aspnetcore_apps()
    {
        var (clientCert, clientKey, client) = _certificates.Client("alice");
        foreach (var app in new[] { Paths.Echo, Paths.AspNetProbe })
        {
            await using var server = await StartAsync(app, 1, "--cert-reqs", "2", "--ca-certs", _certificates.CaFile);
            var path = app == Paths.Echo ? "/who" : "/tls";
            var (without, _) = await RunAsync("curl", "-s", "--cacert", _certificates.CaFile, $"https://127.0.0.1:{server.Port}{path}");
            Assert.NotEqual(0, without);
            var (with, body) = await RunAsync("curl", "-sS", "--cacert", _certificates.CaFile, "--cert", clientCert, "--key", clientKey, $"https://127.0.0.1:{server.Port}{path}");
            output.WriteLine($"curl {with}: {body}");
            Assert.Equal(0, with);
            Assert.Contains("CN=alice", body);
            using var http = Client(client);
            var seen = JsonNode.Parse(await http.GetStringAsync($"https://127.0.0.1:{server.Port}{path}"))!;
            if (app == Paths.AspNetProbe)
            {
                Assert.True((bool)seen["isHttps"]!);
                Assert.Equal("CN=alice", (string)seen["clientCertificate"]!);
                Assert.StartsWith("Tls1", (string)seen["protocol"]!);
            }
            else
            {
                Assert.Equal("CN=alice", (string)seen["tls"]!["client_certificate"]!);
            }
        }
    }

    [Fact]
    public async Task A_tls_client_that_does_not_read_its_response_is_cut_off()
    {
        var (cert, key, _) = _certificates.Server();
        var control = Path.Combine(_certificates.Directory, "ctl.sock");
        await using var server = await ServerProcess.StartServingAsync(["--workers", "1", "--control-socket", control, "--certfile", cert, "--keyfile", key,
            "--min-response-rate", "100000", "--data-rate-grace", "1", Paths.Echo], 1, output);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(IPAddress.Loopback, server.Port);
        await using var tls = new SslStream(new NetworkStream(socket), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" });
        // Echo answers a 3 MB body with 4 MB of base64, which this client never reads.
        var body = new byte[3 * 1024 * 1024];
        await tls.WriteAsync(Encoding.ASCII.GetBytes($"POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: {body.Length}\r\n\r\n"));
        await tls.WriteAsync(body);
        await Eventually.UntilAsync(async () => (long)(await Ctl.RunAsync(control, "show stats", output)).Answer["stats"]!["expired"]!["slow_response_reader"]! >= 1,
            "the slow reader was not cut off");
    }

    [Theory]
    [InlineData("certfile")]
    [InlineData("keyfile")]
    [InlineData("cert_reqs")]
    public async Task A_certificate_that_cannot_serve_stops_the_start_naming_the_setting(string broken)
    {
        var (cert, key, _) = _certificates.Server();
        var (_, otherKey, _) = _certificates.Server("other");
        string[] args = broken switch
        {
            "certfile" => ["--certfile", Path.Combine(_certificates.Directory, "missing.pem"), "--keyfile", key],
            "keyfile" => ["--certfile", cert, "--keyfile", otherKey],
            _ => ["--certfile", cert, "--keyfile", key, "--cert-reqs", "2"],
        };
        var server = ServerProcess.Start(["--bind", "127.0.0.1:0", "--control-socket-disable", .. args, Paths.Echo], output);
        await using var _ = server;
        Assert.NotEqual(0, await server.WaitForExitAsync());
        Assert.Contains(server.Lines, l => l.Contains($"setting '{broken}'"));
    }

    [Fact]
    public async Task A_reload_puts_a_new_certificate_in_service_without_failing_a_request()
    {
        var (cert, key, first) = _certificates.Server();
        await using var server = await ServerProcess.StartServingAsync(
            ["--workers", "2", "--control-socket-disable", "--certfile", cert, "--keyfile", key, Paths.Echo], 2, output);
        var certificates = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        using var stop = new CancellationTokenSource();
        long ok = 0, failed = 0;
        var load = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                // A new connection each time, so that each sees the certificate then in service.
                using var http = Client(seen: c => certificates.AddOrUpdate(c.Thumbprint, 1, (_, n) => n + 1));
                try
                {
                    var response = await http.GetAsync($"https://127.0.0.1:{server.Port}/load");
                    if (response.IsSuccessStatusCode) Interlocked.Increment(ref ok);
                    else Interlocked.Increment(ref failed);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })).ToArray();
        while (Interlocked.Read(ref ok) < 50) await Task.Delay(50);

        var (newCert, newKey, second) = _certificates.Server("renewed");
        File.Copy(newCert, cert, overwrite: true);
        File.Copy(newKey, key, overwrite: true);
        server.Signal(Posix.SIGHUP);
        await server.WaitForLineAsync(new Regex("Reload complete: generation 2 serves with 2 workers"));
        var beforeMore = Interlocked.Read(ref ok);
        while (!certificates.ContainsKey(second.Thumbprint) || Interlocked.Read(ref ok) < beforeMore + 50) await Task.Delay(50);
        stop.Cancel();
        await Task.WhenAll(load);
        output.WriteLine($"{ok} requests, {failed} failed; certificates seen: {string.Join(", ", certificates)}");
        Assert.Equal(0, failed);
        Assert.True(certificates.ContainsKey(first.Thumbprint));
    }

    [Fact]
    public async Task A_reload_with_a_broken_certificate_is_refused_and_the_old_one_keeps_serving()
    {
        var (cert, key, first) = _certificates.Server();
        await using var server = await ServerProcess.StartServingAsync(
            ["--workers", "1", "--control-socket-disable", "--certfile", cert, "--keyfile", key, Paths.Echo], 1, output);
        // A renewal gone wrong: the new certificate with the old key.
        var (newCert, _, _) = _certificates.Server("renewed");
        File.Copy(newCert, cert, overwrite: true);
        server.Signal(Posix.SIGHUP);
        await server.WaitForLineAsync(new Regex("Reload \\(received HUP\\) refused, the running workers keep serving: setting 'keyfile'"));
        X509Certificate2? seen = null;
        using var http = Client(seen: c => seen = c);
        Assert.True((await http.GetAsync($"https://127.0.0.1:{server.Port}/after")).IsSuccessStatusCode);
        Assert.Equal(first.Thumbprint, seen!.Thumbprint);
        Assert.Single(server.WorkerPids);
    }

    [Fact]
    public async Task Https_and_http_binds_serve_side_by_side()
    {
        var (cert, key, _) = _certificates.Server();
        var server = ServerProcess.Start(["--bind", "https://127.0.0.1:0", "--bind", "http://127.0.0.1:0", "--workers", "1",
            "--control-socket-disable", "--certfile", cert, "--keyfile", key, Paths.Echo], output);
        await using var _ = server;
        int https = int.Parse((await server.WaitForLineAsync(new Regex(@"Listening at: https://127\.0\.0\.1:(\d+)"))).Groups[1].Value);
        int http = int.Parse((await server.WaitForLineAsync(new Regex(@"Listening at: http://127\.0\.0\.1:(\d+)"))).Groups[1].Value);
        await server.WaitForLineAsync(ServerProcess.ServingRegex());
        using var client = Client();
        Assert.Equal("https", (string?)JsonNode.Parse(await client.GetStringAsync($"https://127.0.0.1:{https}/a"))!["scheme"]);
        Assert.Equal("http", (string?)JsonNode.Parse(await client.GetStringAsync($"http://127.0.0.1:{http}/b"))!["scheme"]);
        // Each port speaks only its own: a TLS client on the plain port gets nowhere, and a plain request on the TLS port no answer.
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync($"https://127.0.0.1:{http}/c"));
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync($"http://127.0.0.1:{https}/d"));
    }

    [Fact]
    public async Task An_https_bind_without_a_certificate_stops_the_start_naming_the_bind()
    {
        var server = ServerProcess.Start(["--bind", "https://127.0.0.1:0", "--control-socket-disable", Paths.Echo], output);
        await using var _ = server;
        Assert.NotEqual(0, await server.WaitForExitAsync());
        Assert.Contains(server.Lines, l => l.Contains("setting 'bind' = 'https://127.0.0.1:0'") && l.Contains("certfile"));
    }

    [Fact]
    public async Task Sni_picks_the_certificate_for_the_name_the_client_asks_for()
    {
        var (cert, key, fallback) = _certificates.Server();
        var (apiCert, apiKey, api) = _certificates.Server("api", "api.test");
        var (wildCert, wildKey, wild) = _certificates.Server("wild", "*.shop.test");
        await using var server = await ServerProcess.StartServingAsync(
            ["--workers", "1", "--control-socket-disable", "--certfile", cert, "--keyfile", key,
             "--sni-certfiles", $"api.test={apiCert},{apiKey},*.shop.test={wildCert},{wildKey}", Paths.Echo], 1, output);

        async Task<(string Thumbprint, JsonNode Echo)> AskAsync(string? name)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, server.Port);
            using var tls = new SslStream(tcp.GetStream());
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = name ?? "",
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            });
            await tls.WriteAsync(Encoding.ASCII.GetBytes($"GET /sni HTTP/1.1\r\nHost: {name ?? "x"}\r\nConnection: close\r\n\r\n"));
            var answer = Encoding.ASCII.GetString(await ReadAllAsync(tls));
            return (new X509Certificate2(tls.RemoteCertificate!).Thumbprint, JsonNode.Parse(answer[(answer.IndexOf("\r\n\r\n") + 4)..])!);
        }

        var (thumbprint, echo) = await AskAsync("api.test");
        Assert.Equal(api.Thumbprint, thumbprint);
        Assert.Equal("api.test", (string?)echo["tls"]!["server_name"]);
        Assert.Equal(wild.Thumbprint, (await AskAsync("www.shop.test")).Thumbprint);
        Assert.Equal(fallback.Thumbprint, (await AskAsync("other.test")).Thumbprint);
        Assert.Equal(fallback.Thumbprint, (await AskAsync(null)).Thumbprint);
        // And as a stock client sees it.
        var (_, said) = await RunAsync("openssl", "s_client", "-connect", $"127.0.0.1:{server.Port}", "-servername", "api.test", "-brief");
        Assert.Contains("CN = api", said);
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        var all = new MemoryStream();
        await stream.CopyToAsync(all).WaitAsync(TimeSpan.FromSeconds(20));
        return all.ToArray();
    }

    [Fact]
    public async Task A_broken_sni_certificate_stops_the_start_naming_the_host()
    {
        var (cert, key, _) = _certificates.Server();
        var server = ServerProcess.Start(["--bind", "127.0.0.1:0", "--control-socket-disable", "--certfile", cert, "--keyfile", key,
            "--sni-certfiles", "api.test=/nonexistent.pem", Paths.Echo], output);
        await using var _ = server;
        Assert.NotEqual(0, await server.WaitForExitAsync());
        Assert.Contains(server.Lines, l => l.Contains("setting 'sni_certfiles' = 'api.test = /nonexistent.pem'"));
    }

    /// <summary>A client stream whose first write goes out with <paramref name="preamble"/> in front, in one segment.</summary>
    private sealed class PreambleFirst(Stream inner, byte[] preamble) : Stream
    {
        private byte[]? _preamble = preamble;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().Wait();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_preamble is not { } first) return inner.WriteAsync(buffer, cancellationToken);
            _preamble = null;
            return inner.WriteAsync((byte[])[.. first, .. buffer.Span], cancellationToken);
        }
    }

    private async Task<(JsonNode Echo, int Status)> ProxiedTlsRequestAsync(int port, byte[] preamble)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        using var tls = new SslStream(new PreambleFirst(tcp.GetStream(), preamble));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = (_, _, _, _) => true });
        await tls.WriteAsync("GET /proxied HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8.ToArray());
        var answer = Encoding.ASCII.GetString(await ReadAllAsync(tls));
        return (JsonNode.Parse(answer[(answer.IndexOf("\r\n\r\n") + 4)..])!, int.Parse(answer[9..12]));
    }

    [Fact]
    public async Task A_proxy_preamble_before_the_tls_handshake_names_the_client_and_passes_its_tlvs()
    {
        var (cert, key, _) = _certificates.Server();
        await using var server = await ServerProcess.StartServingAsync(
            ["--workers", "1", "--control-socket-disable", "--certfile", cert, "--keyfile", key, "--proxy-protocol", Paths.Echo], 1, output);

        // Several times each: the request must wait for the preamble whatever the order in which the stages start.
        for (int i = 0; i < 5; i++)
        {
            // Version 1, arriving in the same segment as the ClientHello.
            var (v1, status) = await ProxiedTlsRequestAsync(server.Port, "PROXY TCP4 203.0.113.7 127.0.0.1 51234 443\r\n"u8.ToArray());
            Assert.Equal(200, status);
            Assert.Equal("203.0.113.7", (string?)v1["remote_addr"]);
            Assert.Equal("https", (string?)v1["scheme"]);

            // Version 2 with an authority TLV (what the client asked the load balancer for).
            byte[] authority = [0x02, 0x00, 0x0F, .. "api.example.com"u8];
            byte[] v2 = [.. "\r\n\r\n\0\r\nQUIT\n"u8, 0x21, 0x11, 0x00, (byte)(12 + authority.Length),
                198, 51, 100, 9, 127, 0, 0, 1, 0xC8, 0x00, 0x01, 0xBB, .. authority];
            var (echo, _) = await ProxiedTlsRequestAsync(server.Port, v2);
            Assert.Equal("198.51.100.9", (string?)echo["remote_addr"]);
            Assert.Equal("api.example.com", (string?)echo["proxy"]!["authority"]);
        }

        // No preamble at all is fine too (it is optional), and a TLS client still gets through.
        using var http = Client();
        Assert.True((await http.GetAsync($"https://127.0.0.1:{server.Port}/direct")).IsSuccessStatusCode);

        // A malformed preamble costs the connection only.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port);
        using var broken = new SslStream(new PreambleFirst(tcp.GetStream(), "PROXY TCP4 nonsense\r\n"u8.ToArray()));
        await Assert.ThrowsAnyAsync<IOException>(() => broken.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        }).WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.True((await http.GetAsync($"https://127.0.0.1:{server.Port}/still")).IsSuccessStatusCode);
    }
}
