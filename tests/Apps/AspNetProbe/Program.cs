using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.Features;

// PROBE_BREAK makes the Program fail the way apps fail at start: "throw" before the host is built, "return" without one.
switch (Environment.GetEnvironmentVariable("PROBE_BREAK"))
{
    case "throw":
        throw new InvalidOperationException("probe: the Program is broken on purpose");
    case "return":
        Console.WriteLine("probe: returning without a web host");
        return;
}

// The app's own tracing, listening to every source (so a second activity from the server would show as a parent).
System.Diagnostics.ActivitySource.AddActivityListener(new System.Diagnostics.ActivityListener
{
    ShouldListenTo = _ => true,
    Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
});

var builder = WebApplication.CreateBuilder(args);
if (Environment.GetEnvironmentVariable("PROBE_KESTREL_URL") is { Length: > 0 } url) builder.WebHost.UseUrls(url);
builder.Services.AddSignalR();
var app = builder.Build();
app.UseWebSockets();
app.MapHub<AspNetProbe.ProbeHub>("/hub");
string events = Environment.GetEnvironmentVariable("PROBE_EVENTS") ?? Path.GetTempPath();

// Streams until the client goes away, then records that RequestAborted fired.
app.MapGet("/forever", async (HttpContext context) =>
{
    var aborted = context.RequestAborted;
    aborted.Register(() => Record($"aborted-{Environment.ProcessId}-{Guid.NewGuid():N}", context.TraceIdentifier));
    context.Response.ContentType = "text/plain";
    for (int tick = 0; !aborted.IsCancellationRequested; tick++)
    {
        await context.Response.WriteAsync($"tick {tick}\n");
        await context.Response.Body.FlushAsync();
        try
        {
            await Task.Delay(20, aborted);
        }
        catch (OperationCanceledException)
        {
        }
    }
});

// Reads the whole body as it streams in and answers with its length and digest.
app.MapPost("/upload", async (HttpRequest request) =>
{
    using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    var buffer = new byte[64 * 1024];
    long length = 0;
    int read;
    while ((read = await request.Body.ReadAsync(buffer)) > 0)
    {
        sha.AppendData(buffer, 0, read);
        length += read;
    }
    return Results.Json(new { length, sha256 = Convert.ToHexStringLower(sha.GetHashAndReset()) });
});

// Answers with a chunked body and a trailer.
app.MapGet("/trailers", async (HttpResponse response) =>
{
    response.DeclareTrailer("x-checksum");
    await response.WriteAsync("body with a trailer\n");
    await response.Body.FlushAsync();
    if (response.SupportsTrailers()) response.AppendTrailer("x-checksum", "c0ffee");
});

// Reads a chunked body and echoes the trailer the client sent with it.
app.MapPost("/request-trailer", async (HttpRequest request) =>
{
    await request.Body.CopyToAsync(Stream.Null);
    return request.SupportsTrailers() && request.CheckTrailersAvailable() ? request.GetTrailer("x-signature").ToString() : "(none)";
});

// Where the host thinks it is: the content root and application name it took from the environment.
app.MapGet("/host", (IWebHostEnvironment environment, HttpContext context) => new
{
    contentRoot = environment.ContentRootPath,
    applicationName = environment.ApplicationName,
    path = context.Request.Path.Value,
    pathBase = context.Request.PathBase.Value,
    isHttps = context.Request.IsHttps,
    query = context.Request.QueryString.Value,
    connectionId = context.Connection.Id,
    remote = context.Connection.RemoteIpAddress?.ToString(),
    pid = Environment.ProcessId,
});

app.MapGet("/path/{**rest}", (HttpContext context) => context.Request.Path.Value);

// The request's activity, as ASP.NET Core's hosting made it: its trace, its parent, its source, and how many are nested.
app.MapGet("/trace", () =>
{
    var current = System.Diagnostics.Activity.Current;
    int depth = 0;
    for (var a = current; a is not null; a = a.Parent) depth++;
    return new { traceId = current?.TraceId.ToString(), parentSpanId = current?.ParentSpanId.ToString(), source = current?.Source.Name, depth };
});

// Synchronous reads are refused unless allowed, as on Kestrel.
app.MapPost("/sync-read", (HttpContext context) =>
{
    try
    {
        return Results.Text($"read {new StreamReader(context.Request.Body).ReadToEnd().Length}");
    }
    catch (InvalidOperationException e)
    {
        return Results.Text($"refused: {e.Message}", statusCode: 500);
    }
});

// Ends the response early; the OnCompleted callback runs after the client has it.
app.MapGet("/complete-early", async (HttpContext context) =>
{
    context.Response.OnCompleted(() =>
    {
        Record($"completed-{Guid.NewGuid():N}", "done");
        return Task.CompletedTask;
    });
    await context.Response.WriteAsync("complete\n");
    await context.Response.CompleteAsync();
});

app.MapGet("/stop-host", (IHostApplicationLifetime lifetime) =>
{
    lifetime.StopApplication();
    return "stopping";
});

// Server-sent events written as browsers' EventSource (and SignalR's SSE transport) expect them: Body.WriteAsync alone,
// no flush, each event on its way at once; then the stream stays open, as event streams do, until the client leaves.
app.MapGet("/sse", async (HttpContext context) =>
{
    context.Response.ContentType = "text/event-stream";
    context.Response.Headers.CacheControl = "no-cache";
    var aborted = context.RequestAborted;
    try
    {
        for (int n = 1; n <= 3; n++)
        {
            await context.Response.Body.WriteAsync(System.Text.Encoding.UTF8.GetBytes($"data: event {n}\n\n"), aborted);
            await Task.Delay(50, aborted);
        }
        await Task.Delay(Timeout.Infinite, aborted);
    }
    catch (OperationCanceledException)
    {
    }
});

app.MapGet("/sse.html", () => Results.Content("""
    <!DOCTYPE html><html><body><pre id="log"></pre><script>
    new EventSource('/sse').onmessage = e => document.getElementById('log').textContent += e.data + '\n';
    </script></body></html>
    """, "text/html"));

// A WebSocket through ASP.NET Core's own middleware: echoes each message, says which worker it is on first.
app.Map("/ws", async (HttpContext context) =>
{
    if (!context.WebSockets.IsWebSocketRequest)
    {
        context.Response.StatusCode = 400;
        return;
    }
    using var socket = await context.WebSockets.AcceptWebSocketAsync();
    await socket.SendAsync(System.Text.Encoding.UTF8.GetBytes($"pid {Environment.ProcessId}"), System.Net.WebSockets.WebSocketMessageType.Text, true, default);
    var buffer = new byte[16 * 1024];
    while (true)
    {
        var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
        if (received.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
        {
            await socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", default);
            return;
        }
        await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
    }
});

app.MapGet("/ws.html", () => Results.Content("""
    <!DOCTYPE html><html><body><pre id="log"></pre><script>
    const log = text => document.getElementById('log').textContent += text + '\n';
    const socket = new WebSocket('ws://' + location.host + '/ws');
    socket.onopen = () => socket.send('hello from the browser');
    socket.onmessage = e => { log(e.data.startsWith('pid ') ? 'pid' : e.data); if (!e.data.startsWith('pid ')) socket.close(1000, 'done'); };
    socket.onclose = e => log('closed ' + e.code);
    </script></body></html>
    """, "text/html"));

// The protocol as the app sees it: version, HTTP/2 stream id, whether upgrades are on offer.
app.MapGet("/protocol", (HttpContext context) => new Dictionary<string, object?>
{
    ["protocol"] = context.Request.Protocol,
    ["streamId"] = context.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.IHttp2StreamIdFeature>()?.StreamId,
    ["upgradable"] = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpUpgradeFeature>()?.IsUpgradableRequest,
});

// What the app's runtime settings and process look like from inside.
app.MapGet("/runtime", () => new Dictionary<string, object?>
{
    ["serverGC"] = System.Runtime.GCSettings.IsServerGC,
    ["enGB"] = DateTime.UnixEpoch.ToString("d", System.Globalization.CultureInfo.GetCultureInfo("en-GB")),
    ["switch"] = AppContext.TryGetSwitch("AspNetProbe.Switch", out var on) && on,
    ["spinLimit"] = AppContext.GetData("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit")?.ToString(),
    ["baseDirectory"] = AppContext.BaseDirectory,
    ["entryAssembly"] = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name,
});

app.MapGet("/throw", string () => throw new InvalidOperationException("probe: unhandled"));

// What ASP.NET Core sees of TLS: scheme, the client certificate, the handshake.
// (Not async: a lambda from HttpContext to a Task would be taken for a RequestDelegate, its result dropped.)
app.MapGet("/tls", (HttpContext context) => new Dictionary<string, object?>
{
    ["isHttps"] = context.Request.IsHttps,
    ["scheme"] = context.Request.Scheme,
    ["clientCertificate"] = context.Connection.ClientCertificate?.Subject,
    ["protocol"] = context.Features.Get<Microsoft.AspNetCore.Connections.Features.ITlsHandshakeFeature>()?.Protocol.ToString(),
});

app.Run();

// An event file appears whole: written under another name, then renamed, so a watcher never reads it half-written.
void Record(string name, string content)
{
    var staging = Path.Combine(events, $".{name}");
    File.WriteAllText(staging, content);
    File.Move(staging, Path.Combine(events, name));
}
