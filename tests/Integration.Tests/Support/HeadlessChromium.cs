using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AkkaGunicorn.Integration.Tests.Support;

/// <summary>
/// A real browser: Debian's Chromium, headless, driven over the DevTools protocol (navigate, evaluate JavaScript), with
/// the flags that keep it off the network beyond loopback. Disposing kills it and removes its profile.
/// </summary>
public sealed partial class HeadlessChromium : IAsyncDisposable
{
    private const string Executable = "/usr/bin/chromium";
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>Why no browser can run here, or null.</summary>
    public static string? Unavailable => File.Exists(Executable) ? null : $"{Executable} is not installed (Debian package chromium)";

    /// <summary>Starts a browser with <paramref name="extra"/> switches beside the usual ones.</summary>
    public static async Task<HeadlessChromium> StartAsync(params string[] extra)
    {
        var profile = Directory.CreateTempSubdirectory("ag-chromium-").FullName;
        var info = new ProcessStartInfo(Executable) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in (string[])[ "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--remote-debugging-port=0",
                     $"--user-data-dir={profile}", .. extra, "about:blank"])
            info.ArgumentList.Add(arg);
        var browser = new HeadlessChromium(Process.Start(info)!, profile);
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        browser._process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null && DevToolsRegex().Match(e.Data) is { Success: true } match) listening.TrySetResult(int.Parse(match.Groups[1].Value));
        };
        browser._process.BeginErrorReadLine();
        browser._process.BeginOutputReadLine();
        int port = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient();
        var targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray();
        var page = targets.First(t => (string?)t!["type"] == "page")!;
        await browser._socket.ConnectAsync(new Uri((string)page["webSocketDebuggerUrl"]!), CancellationToken.None);
        return browser;
    }

    public Task NavigateAsync(string url) => CallAsync("Page.navigate", new JsonObject { ["url"] = url });

    /// <summary>Evaluates <paramref name="expression"/> in the page and returns its value as a string.</summary>
    public async Task<string?> EvaluateAsync(string expression)
    {
        var result = await CallAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true });
        return result["result"]?["value"]?.ToString();
    }

    /// <summary>Evaluates <paramref name="expression"/> until <paramref name="done"/> holds for its value; returns the value.</summary>
    public async Task<string?> WaitForAsync(string expression, Func<string?, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await EvaluateAsync(expression);
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"In the browser, '{expression}' is still '{value}'.");
            await Task.Delay(100);
        }
    }

    private async Task<JsonNode> CallAsync(string method, JsonObject parameters)
    {
        int id = ++_nextId;
        var request = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(request.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[1 << 16];
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult received;
            do
            {
                received = await _socket.ReceiveAsync(buffer, timeout.Token);
                message.Write(buffer, 0, received.Count);
            } while (!received.EndOfMessage);
            var answer = JsonNode.Parse(message.ToArray())!;
            // Events (no id) and other calls' answers are not this call's.
            if ((int?)answer["id"] != id) continue;
            if (answer["error"] is { } error) throw new InvalidOperationException($"{method}: {error.ToJsonString()}");
            return answer["result"]!;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium's last writes may race the removal; the temp directory is the system's to clean.
        }
    }

    [GeneratedRegex(@"DevTools listening on ws://127\.0\.0\.1:(\d+)/")]
    private static partial Regex DevToolsRegex();
}
