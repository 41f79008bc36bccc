using System.Text.Json;
using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Parsing;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Http.Tests.Support;
using Xunit;

namespace AkkaGunicorn.Http.Tests.Proxying;

/// <summary>
/// What a front-end proxy may tell the app, and only a trusted one (Gunicorn's forwarded_allow_ips semantics): the
/// scheme (secure_scheme_headers), where the app is mounted (root_path, a SCRIPT_NAME forwarder header).
/// </summary>
public sealed class TrustedProxyTests
{
    private static readonly HttpServerOptions Untrusted = new() { ForwardedAllowIps = IpAllowList.Parse("192.0.2.1") };

    private static async Task<(int Status, JsonElement Echo)> GetAsync(HttpServerOptions options, string head)
    {
        await using var server = new InProcessServer(new TestApp(), options);
        using var client = new RawClient(server.Port);
        await client.SendAsync(head + "Connection: close\r\n\r\n");
        var response = HttpResponseReader.ReadAll(await client.ReadToEndAsync()).Single();
        return (response.Status, response.Status == 200 ? JsonDocument.Parse(response.Body).RootElement.Clone() : default);
    }

    [Theory]
    [InlineData("X-Forwarded-Proto: https\r\n", "https")]
    [InlineData("x-forwarded-ssl: ON\r\n", "https")]
    [InlineData("X-Forwarded-Protocol: ssl\r\nX-Forwarded-Proto: https\r\n", "https")]
    [InlineData("X-Forwarded-Proto: http\r\n", "http")]
    [InlineData("", "http")]
    public async Task A_trusted_proxy_sets_the_scheme(string headers, string scheme)
    {
        var (status, echo) = await GetAsync(new HttpServerOptions(), $"GET /x HTTP/1.1\r\nHost: a\r\n{headers}");
        Assert.Equal(200, status);
        Assert.Equal(scheme, echo.GetProperty("scheme").GetString());
    }

    [Fact]
    public async Task Contradicting_scheme_headers_are_a_400_and_an_untrusted_peer_is_not_heard()
    {
        const string Contradiction = "GET /x HTTP/1.1\r\nHost: a\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Ssl: off\r\n";
        Assert.Equal(400, (await GetAsync(new HttpServerOptions(), Contradiction)).Status);
        var (status, echo) = await GetAsync(Untrusted, Contradiction);
        Assert.Equal(200, status);
        Assert.Equal("http", echo.GetProperty("scheme").GetString());
    }

    [Fact]
    public async Task Secure_scheme_headers_are_configurable_and_empty_trusts_none()
    {
        var custom = new HttpServerOptions { SecureSchemeHeaders = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Front-End-Https"] = "on" } };
        Assert.Equal("https", (await GetAsync(custom, "GET /x HTTP/1.1\r\nFront-End-Https: on\r\n")).Echo.GetProperty("scheme").GetString());
        Assert.Equal("http", (await GetAsync(custom, "GET /x HTTP/1.1\r\nX-Forwarded-Proto: https\r\n")).Echo.GetProperty("scheme").GetString());
        var none = new HttpServerOptions { SecureSchemeHeaders = new Dictionary<string, string>() };
        Assert.Equal("http", (await GetAsync(none, "GET /x HTTP/1.1\r\nX-Forwarded-Proto: https\r\n")).Echo.GetProperty("scheme").GetString());
    }

    [Theory]
    [InlineData("/app/items/1?q=2", "/app", "/items/1")]
    [InlineData("/app", "/app", "")]
    [InlineData("/app/", "/app", "/")]
    [InlineData("/apple/pie", "", "/apple/pie")]
    [InlineData("/other", "", "/other")]
    [InlineData("/APP/x", "", "/APP/x")]
    public async Task Root_path_mounts_the_app(string target, string pathBase, string path)
    {
        var (status, echo) = await GetAsync(new HttpServerOptions { RootPath = "/app" }, $"GET {target} HTTP/1.1\r\nHost: a\r\n");
        Assert.Equal(200, status);
        Assert.Equal(pathBase, echo.GetProperty("path_base").GetString());
        Assert.Equal(path, echo.GetProperty("path").GetString());
    }

    [Fact]
    public async Task A_trusted_proxys_script_name_mounts_the_app_and_overrides_root_path()
    {
        var options = new HttpServerOptions { RootPath = "/app" };
        var (_, echo) = await GetAsync(options, "GET /shop/cart HTTP/1.1\r\nSCRIPT_NAME: /shop/\r\n");
        Assert.Equal("/shop", echo.GetProperty("path_base").GetString());
        Assert.Equal("/cart", echo.GetProperty("path").GetString());
        Assert.Contains(echo.GetProperty("headers").EnumerateArray(), h => h[0].GetString() == "SCRIPT_NAME");
    }

    [Fact]
    public async Task An_untrusted_peers_script_name_is_dropped_before_the_app_sees_it()
    {
        var (_, echo) = await GetAsync(Untrusted with { RootPath = "/app" }, "GET /shop/cart HTTP/1.1\r\nSCRIPT_NAME: /shop\r\n");
        Assert.Equal("", echo.GetProperty("path_base").GetString());
        Assert.Equal("/shop/cart", echo.GetProperty("path").GetString());
        Assert.DoesNotContain(echo.GetProperty("headers").EnumerateArray(), h => h[0].GetString() == "SCRIPT_NAME");

        // header_map = refuse refuses it from anyone untrusted; a trusted proxy may still send the forwarder headers.
        var refuse = new HttpServerOptions { Parser = new HttpParserOptions { HeaderMap = HeaderMapPolicy.Refuse } };
        Assert.Equal(400, (await GetAsync(refuse with { ForwardedAllowIps = Untrusted.ForwardedAllowIps }, "GET /x HTTP/1.1\r\nSCRIPT_NAME: /x\r\n")).Status);
        Assert.Equal(200, (await GetAsync(refuse, "GET /x HTTP/1.1\r\nSCRIPT_NAME: /x\r\n")).Status);
        Assert.Equal(400, (await GetAsync(refuse, "GET /x HTTP/1.1\r\nREMOTE_USER: root\r\n")).Status);
        var star = refuse with { Parser = refuse.Parser with { ForwarderHeaders = ["*"] } };
        Assert.Equal(200, (await GetAsync(star, "GET /x HTTP/1.1\r\nREMOTE_USER: root\r\n")).Status);
    }
}

/// <summary>The mount-point rule, alone.</summary>
public sealed class MountPointTests
{
    [Theory]
    [InlineData("/app", "/app", true)]
    [InlineData("/app", "/app/", true)]
    [InlineData("/app", "/app/x/y", true)]
    [InlineData("/app", "/apple", false)]
    [InlineData("/app", "/ap", false)]
    [InlineData("/app", "/App", false)]
    [InlineData("", "/app", false)]
    [InlineData("/a/b", "/a/b/c", true)]
    [InlineData("/a/b", "/a/bc", false)]
    public void Covers_at_segment_boundaries(string mount, string path, bool covers) => Assert.Equal(covers, MountPoint.Covers(mount, path));

    [Theory]
    [InlineData("/app/", "/app")]
    [InlineData("/", "")]
    [InlineData("", "")]
    [InlineData("/a/b", "/a/b")]
    public void Normalize_drops_trailing_slashes(string configured, string mount) => Assert.Equal(mount, MountPoint.Normalize(configured));
}
