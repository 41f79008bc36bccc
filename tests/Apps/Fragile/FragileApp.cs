using AkkaGunicorn.Http.App;

namespace Fragile;

/// <summary>
/// A test app that a test can break from outside: its constructor throws while the file named by
/// FRAGILE_BREAK_FILE exists. The Arbiter's check (which only finds the type) passes; a worker that
/// constructs it fails to load the app. It answers with its process id, so tests can tell workers apart; /count reads
/// the body and answers its length; /bytes?N answers N bytes; /wait waits until the client goes away and writes "aborted QUERY" to standard error.
/// </summary>
public sealed class FragileApp : IHttpApp
{
    /// <summary>The environment variable naming the file whose presence breaks the app.</summary>
    public const string BreakFileVariable = "FRAGILE_BREAK_FILE";

    // What an app's tracing (an OpenTelemetry TracerProvider, say) would see: the server's request activities as they end.
    private static readonly System.Collections.Concurrent.ConcurrentQueue<string> Ended = new();
    private static readonly System.Diagnostics.ActivityListener Tracing = new()
    {
        ShouldListenTo = source => source.Name == "AkkaGunicorn.Http",
        Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
        ActivityStopped = activity => Ended.Enqueue(
            $"{activity.TraceId} {activity.SpanId} {activity.Kind} {activity.DisplayName} {activity.GetTagItem("url.path")} {activity.GetTagItem("http.response.status_code")} {activity.Status}"),
    };

    static FragileApp() => System.Diagnostics.ActivitySource.AddActivityListener(Tracing);

    /// <summary>Creates the app, or throws when told to.</summary>
    public FragileApp()
    {
        if (Environment.GetEnvironmentVariable(BreakFileVariable) is { Length: > 0 } path && File.Exists(path))
            throw new InvalidOperationException($"Fragile is broken: {path} exists");
    }

    /// <inheritdoc />
    public async Task HandleAsync(HttpRequest request, HttpResponse response, CancellationToken aborted)
    {
        switch (request.Path)
        {
            case "/trace":
            {
                // The activity the app runs in (after an await, to show it flows), and the ones that have ended.
                await Task.Yield();
                var current = System.Diagnostics.Activity.Current;
                var text = $"current {current?.TraceId} {current?.ParentSpanId} {current?.SpanId} {current?.Kind}\n" + string.Join("\n", Ended);
                await response.WriteAsync(System.Text.Encoding.ASCII.GetBytes(text), aborted);
                return;
            }
            case "/appcontext":
                // A runtime setting as this process sees it (?NAME).
                await response.WriteAsync(System.Text.Encoding.ASCII.GetBytes(AppContext.GetData(request.Query)?.ToString() ?? "(unset)"), aborted);
                return;
            case "/count":
                // Reads the body and keeps none of it: what memory it costs is the server's.
                var buffer = new byte[64 * 1024];
                long total = 0;
                int n;
                while ((n = await request.Body.ReadAsync(buffer, aborted)) > 0) total += n;
                await response.WriteAsync(System.Text.Encoding.ASCII.GetBytes(total.ToString()), aborted);
                return;
            case "/bytes":
                // A response of N bytes (?N), written in 64 KiB pieces: for clients that read slowly.
                long size = long.Parse(request.Query);
                var piece = new byte[64 * 1024];
                response.Headers.Add("Content-Length", size.ToString());
                for (long sent = 0; sent < size; sent += piece.Length)
                    await response.WriteAsync(piece.AsMemory(0, (int)Math.Min(piece.Length, size - sent)), aborted);
                return;
            case "/fill":
            {
                // ?VALUE:N, N bytes all equal to VALUE, in small writes: a body that sits in the response's buffer.
                var parts = request.Query.Split(':');
                byte value = byte.Parse(parts[0]);
                int length = int.Parse(parts[1]);
                var chunk = new byte[1000];
                Array.Fill(chunk, value);
                response.Headers.Add("Content-Length", length.ToString());
                for (int sent = 0; sent < length; sent += chunk.Length)
                    await response.WriteAsync(chunk.AsMemory(0, Math.Min(chunk.Length, length - sent)), aborted);
                return;
            }
            case "/wait":
                // Waits for the client to go away, and says so on standard error.
                try
                {
                    await Task.Delay(Timeout.Infinite, aborted);
                }
                catch (OperationCanceledException)
                {
                    Console.Error.WriteLine($"aborted {request.Query}");
                }
                return;
        }
        if (request.Path == "/print")
        {
            // What an app writes to its standard streams (capture_output sends it to the error log).
            Console.WriteLine($"stdout of {Environment.ProcessId}");
            Console.Error.WriteLine($"stderr of {Environment.ProcessId}");
        }
        response.Headers.Add("Content-Type", "text/plain");
        await response.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"pid {Environment.ProcessId}"), aborted);
    }
}
