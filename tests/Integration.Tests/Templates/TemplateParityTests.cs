using System.Text.RegularExpressions;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests.Templates;

/// <summary>
/// The SDK's own web templates, generated and published at test time, unmodified (but for one form page), run alone
/// on Kestrel and on AkkaGunicorn with two workers: the same client session against each must get the same answers.
/// Pages, static assets with their compressed variants, conditional and range requests, HEAD, a form POST with and
/// without its antiforgery token, and a 404. (The gRPC template is driven by a gRPC client: <see cref="GrpcTemplateTests"/>.)
/// </summary>
public sealed partial class TemplateParityTests(GeneratedApps apps, ITestOutputHelper output) : IClassFixture<GeneratedApps>
{
    [Theory]
    [InlineData("web")]
    [InlineData("webapi")]
    [InlineData("webapp")]
    [InlineData("mvc")]
    [InlineData("blazor")]
    public async Task A_template_app_answers_on_AkkaGunicorn_as_on_Kestrel(string template)
    {
        var app = await apps.PublishedAsync(template);
        Transcript kestrel, ours;
        await using (var reference = await KestrelProcess.StartAsync(app))
            kestrel = await SessionAsync(template, app, reference.Port);
        await using (var server = await ServerProcess.StartServingAsync(app, workers: 2, output))
        {
            ours = await SessionAsync(template, app, server.Port);
            Assert.DoesNotContain(server.Lines, l => l.Contains("[ERROR]"));
        }
        for (int i = 0; i < ours.Lines.Count; i++)
        {
            output.WriteLine($"{ours.Lines[i]}\n    {ours.Framings[i]} (Kestrel: {kestrel.Framings.ElementAtOrDefault(i)})");
            if (kestrel.Lines.ElementAtOrDefault(i) is { } theirs && theirs != ours.Lines[i]) output.WriteLine($"    Kestrel: {theirs}");
        }
        Assert.Equal(kestrel.Lines, ours.Lines);
    }

    private static async Task<Transcript> SessionAsync(string template, string app, int port)
    {
        var session = new Transcript(port);
        await session.GetAsync("/no/such/page");
        switch (template)
        {
            case "web":
                await session.GetAsync("/");
                await session.SendAsync(HttpMethod.Head, "/");
                await session.SendAsync(HttpMethod.Post, "/");
                break;
            case "webapi":
                await session.SendAsync(HttpMethod.Get, "/weatherforecast", mask: json => ForecastRegex().Replace(json, "{forecast}"));
                await session.SendAsync(HttpMethod.Delete, "/weatherforecast");
                break;
            case "webapp":
                foreach (var page in new[] { "/", "/Privacy", "/Contact" }) await session.GetAsync(page);
                var (_, form) = await session.GetAsync("/Contact");
                var (posted, thanks) = await session.SendAsync(HttpMethod.Post, "/Contact", form: [new("name", "Ada"), new("__RequestVerificationToken", Transcript.FormToken(form))]);
                Assert.Equal((200, true), ((int)posted.StatusCode, thanks.Contains("Thanks, Ada")));
                var (forged, _) = await session.SendAsync(HttpMethod.Post, "/Contact", form: [new("name", "Mallory")]);
                Assert.Equal(400, (int)forged.StatusCode);
                await AssetsAsync(session, app, @"^(css/site|js/site|webapp(\.[a-z0-9]+)?\.styles)(\.[a-z0-9]+)?\.(css|js)$|^lib/bootstrap/dist/css/bootstrap\.min\.css$");
                break;
            case "mvc":
                foreach (var page in new[] { "/", "/Home/Privacy", "/Home/Index" }) await session.GetAsync(page);
                await AssetsAsync(session, app, @"^(css/site|mvc(\.[a-z0-9]+)?\.styles)(\.[a-z0-9]+)?\.css$");
                break;
            case "blazor":
                foreach (var page in new[] { "/", "/counter" }) await session.GetAsync(page);
                // Streaming rendering: the page goes out in parts, the forecast (random) last.
                await session.SendAsync(HttpMethod.Get, "/weather", mask: html => WeatherRegex().Replace(html, "<tbody>*</tbody>"));
                await AssetsAsync(session, app, @"^app(\.[a-z0-9]+)?\.css$");
                await session.StaticAssetAsync("/_framework/blazor.web.js");
                break;
        }
        return session;
    }

    [Fact]
    public async Task Blazor_streaming_rendering_reaches_the_client_in_parts_as_on_Kestrel()
    {
        var app = await apps.PublishedAsync("blazor");
        await using var reference = await KestrelProcess.StartAsync(app);
        await using var server = await ServerProcess.StartServingAsync(app, workers: 1, output);
        foreach (var port in new[] { reference.Port, server.Port })
        {
            // Chunk boundaries survive however late the client reads: the placeholder and the forecast that replaces
            // it must come in different chunks, as the page renders them half a second apart.
            var chunks = await ChunksAsync(port, "/weather");
            int loading = chunks.FindIndex(c => c.Contains("<em>Loading...</em>"));
            int table = chunks.FindIndex(c => c.Contains("<tbody>"));
            Assert.True(loading >= 0 && table > loading, $"port {port}: {chunks.Count} chunks, loading in {loading}, table in {table}");
        }
    }

    private static async Task<List<string>> ChunksAsync(int port, string path)
    {
        using var client = new RawClient(port);
        await client.SendAsync($"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        using var stream = new System.Net.Sockets.NetworkStream(client.Socket);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer).WaitAsync(TimeSpan.FromSeconds(30));
        var wire = System.Text.Encoding.Latin1.GetString(buffer.ToArray());
        Assert.Contains("Transfer-Encoding: chunked", wire[..wire.IndexOf("\r\n\r\n", StringComparison.Ordinal)]);
        var chunks = new List<string>();
        int at = wire.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
        while (true)
        {
            int end = wire.IndexOf("\r\n", at, StringComparison.Ordinal);
            int size = Convert.ToInt32(wire[at..end], 16);
            if (size == 0) return chunks;
            chunks.Add(wire.Substring(end + 2, size));
            at = end + 2 + size + 2;
        }
    }

    private static async Task AssetsAsync(Transcript session, string app, string pattern)
    {
        var routes = Transcript.AssetRoutes(app, pattern);
        Assert.NotEmpty(routes);
        foreach (var route in routes) await session.StaticAssetAsync(route);
    }

    [GeneratedRegex(@"\{""date"":""[^""]*""(,""\w+"":(-?\d+|""[^""]*""))*\}")]
    private static partial Regex ForecastRegex();

    [GeneratedRegex("<tbody>.*?</tbody>", RegexOptions.Singleline)]
    private static partial Regex WeatherRegex();
}
