using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AkkaGunicorn.Integration.Tests.Support;
using AkkaGunicorn.Integration.Tests.Templates;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>
/// The deployment in examples/deploy, run for real: Debian's nginx with examples/deploy/nginx/akkagunicorn.conf in
/// front of the server started with examples/deploy/server.hocon. Only the addresses, the certificate paths and the app
/// are changed, so that the test runs in a directory of its own on ephemeral loopback ports.
/// </summary>
public sealed class NginxDeploymentTests(GeneratedApps apps, ITestOutputHelper output) : IAsyncLifetime, IClassFixture<GeneratedApps>
{
    private readonly TestCertificates _certificates = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("ag-deploy-").FullName;
    private readonly int _http = NginxFront.FreePort(), _https = NginxFront.FreePort();
    private ServerProcess? _server;
    private NginxFront? _nginx;

    public Task InitializeAsync()
    {
        // nginx's worker (nobody) must reach the Unix socket inside, and write its buffer files.
        File.SetUnixFileMode(_directory, (UnixFileMode)0b111_101_101);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_nginx is not null)
        {
            output.WriteLine(_nginx.ErrorLog);
            await _nginx.DisposeAsync();
        }
        if (_server is not null) await _server.DisposeAsync();
        _certificates.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private string SocketPath => Path.Combine(_directory, "http.sock");

    private static string Replace(string text, string example, string actual)
    {
        // If the example changes, this test must be told rather than silently test something else.
        Assert.Contains(example, text);
        return text.Replace(example, actual);
    }

    private async Task DeployAsync(string app, int workers, params string[] extra)
    {
        var hocon = File.ReadAllText(Path.Combine(Paths.Root, "examples/deploy/server.hocon"));
        hocon = Replace(hocon, "unix:/run/akkagunicorn/http.sock", $"unix:{SocketPath}");
        hocon = Replace(hocon, "127.0.0.1:8000", "127.0.0.1:0");
        hocon = Replace(hocon, "/run/akkagunicorn/control.sock", Path.Combine(_directory, "control.sock"));
        var config = Path.Combine(_directory, "server.hocon");
        File.WriteAllText(config, hocon);
        _server = await ServerProcess.StartServingAsync(["--config", config, "--workers", workers.ToString(), .. extra, app], workers, output, bindsGiven: true);

        var (cert, key, _) = _certificates.Server();
        var site = File.ReadAllText(Path.Combine(Paths.Root, "examples/deploy/nginx/akkagunicorn.conf"));
        site = Replace(site, "unix:/run/akkagunicorn/http.sock", $"unix:{SocketPath}");
        site = Replace(site, "127.0.0.1:8000", $"127.0.0.1:{_server.Port}");
        site = Replace(site, "listen 80;", $"listen 127.0.0.1:{_http};");
        site = Replace(site, "listen 443 ssl;", $"listen 127.0.0.1:{_https} ssl;");
        site = Replace(site, "/etc/ssl/certs/example.com.pem", cert);
        site = Replace(site, "/etc/ssl/private/example.com.key", key);
        _nginx = await NginxFront.StartAsync(_directory, site, _http);
    }

    private HttpClient Client() => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) => _certificates.Signed(new X509Certificate2(certificate!)),
        },
    }) { Timeout = TimeSpan.FromSeconds(30) };

    private async Task<JsonNode> EchoAsync(HttpClient http, string url, string? spoofedProto = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (spoofedProto is not null) request.Headers.Add("X-Forwarded-Proto", spoofedProto);
        using var response = await http.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    [Fact]
    public async Task Requests_reach_both_binds_and_the_app_sees_the_scheme_and_mount_point_nginx_gives()
    {
        await DeployAsync(Paths.Echo, 2);
        using var http = Client();
        var peers = new HashSet<string>();
        for (int i = 0; i < 20; i++)
        {
            // A client's own X-Forwarded-Proto is replaced by nginx's $scheme.
            var echo = await EchoAsync(http, $"http://127.0.0.1:{_http}/plain?{i}", spoofedProto: "https");
            Assert.Equal("http", (string?)echo["scheme"]);
            peers.Add((string)echo["remote_addr"]!);
        }
        output.WriteLine($"peers: {string.Join(", ", peers)}");
        Assert.Contains("127.0.0.1", peers);
        Assert.Contains(peers, p => p != "127.0.0.1");

        Assert.Equal("https", (string?)(await EchoAsync(http, $"https://127.0.0.1:{_https}/secure"))["scheme"]);

        var mounted = await EchoAsync(http, $"http://127.0.0.1:{_http}/shop/cart?x=1");
        Assert.Equal("/shop", (string?)mounted["path_base"]);
        Assert.Equal("/cart", (string?)mounted["path"]);
        var beside = await EchoAsync(http, $"http://127.0.0.1:{_http}/shopping");
        Assert.Equal("", (string?)beside["path_base"]);
        Assert.Equal("/shopping", (string?)beside["path"]);

        // WebSockets pass through the site's Upgrade mapping.
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{_http}/ws"), CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("through nginx"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[256];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal("through nginx", Encoding.UTF8.GetString(buffer, 0, received.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    public async Task An_aspnetcore_app_behind_nginx_sees_https_and_its_path_base()
    {
        await DeployAsync(Paths.AspNetProbe, 1);
        using var http = Client();
        var host = await EchoAsync(http, $"https://127.0.0.1:{_https}/shop/host?x=1");
        Assert.Equal("/shop", (string?)host["pathBase"]);
        Assert.Equal("/host", (string?)host["path"]);
        Assert.Equal("?x=1", (string?)host["query"]);
        Assert.True((bool)host["isHttps"]!);
        var plain = await EchoAsync(http, $"http://127.0.0.1:{_http}/host");
        Assert.Equal("", (string?)plain["pathBase"]);
        Assert.False((bool)plain["isHttps"]!);
    }

    [Fact]
    public async Task A_dotnet_new_webapp_behind_nginx_links_under_its_mount_point_and_knows_it_is_served_over_https()
    {
        await DeployAsync(await apps.PublishedAsync("webapp"), 1);
        using var http = Client();
        async Task<HttpResponseMessage> GetAsync(string url)
        {
            // A real host name: ASP.NET Core sends no HSTS header to localhost or 127.0.0.1.
            var request = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { Host = "example.com" } };
            var response = await http.SendAsync(request);
            Assert.Equal(200, (int)response.StatusCode);
            return response;
        }
        // The template's pages build their links from Request.PathBase: under /shop they stay under /shop.
        using var mounted = await GetAsync($"https://127.0.0.1:{_https}/shop/");
        var page = await mounted.Content.ReadAsStringAsync();
        Assert.Contains("href=\"/shop/Privacy\"", page);
        // UseHsts answers only requests it sees as HTTPS (Request.IsHttps, from nginx's X-Forwarded-Proto).
        Assert.True(mounted.Headers.Contains("Strict-Transport-Security"));
        using var plain = await GetAsync($"http://127.0.0.1:{_http}/");
        Assert.Contains("href=\"/Privacy\"", await plain.Content.ReadAsStringAsync());
        Assert.False(plain.Headers.Contains("Strict-Transport-Security"));
    }

    [SkippableFact]
    public async Task Only_the_owner_and_group_may_connect_to_the_unix_socket()
    {
        using var intruder = new SecondUser();
        Skip.If(intruder.Unavailable is not null, intruder.Unavailable);
        await DeployAsync(Paths.Echo, 1);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite,
            File.GetUnixFileMode(SocketPath) & (UnixFileMode)0b111_111_111);
        var (code, said, error) = await intruder.RunAsync("/usr/bin/python3", "-c",
            "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ntry:\n s.connect(sys.argv[1]); print('connected')\nexcept PermissionError: print('refused')",
            SocketPath);
        Assert.True(code == 0, error);
        Assert.Equal("refused", said.Trim());
    }

    [Fact]
    public async Task A_client_that_reads_slowly_costs_nginx_a_connection_not_the_server()
    {
        await DeployAsync(Paths.Fragile, 1, "--access-logfile", "-");
        const int Size = 32 * 1024 * 1024;
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await client.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, _http));
        await client.SendAsync(Encoding.ASCII.GetBytes($"GET /bytes?{Size} HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n"), SocketFlags.None);
        // The client reads nothing, yet the server finishes: nginx took the whole response (far more than the kernel's
        // socket buffers hold) and the worker's connection is free.
        await _server!.WaitForLineAsync(new Regex($@"""GET /bytes\?{Size} HTTP/1\.1"" 200 {Size}"), TimeSpan.FromSeconds(60));
        long total = 0;
        var buffer = new byte[1 << 16];
        int n;
        while ((n = await client.ReceiveAsync(buffer, SocketFlags.None)) > 0) total += n;
        Assert.True(total > Size, $"read {total} bytes");
    }

    [Fact]
    public async Task A_reload_under_load_through_nginx_fails_no_request()
    {
        await DeployAsync(Paths.Echo, 2);
        await using var load = SteadyLoad.Start(_http, clients: 8);
        await load.WaitForMoreSuccessesAsync(200);
        _server!.Signal(Posix.SIGHUP);
        await _server.WaitForLineAsync(new Regex("Reload complete: generation 2 serves with 2 workers"));
        // Every worker of the first generation has drained and exited while nginx kept sending.
        await _server.WaitForCountAsync(_server.WorkerExitedRegex(), 2);
        await load.WaitForMoreSuccessesAsync(200);
        output.WriteLine($"{load.Successes} requests, {load.Failures} failed: {string.Join("; ", load.Errors)}");
        Assert.Equal(0, load.Failures);
    }
}
