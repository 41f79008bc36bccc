using AkkaGunicorn.Http.App;

namespace Fragile;

/// <summary>
/// A test app that a test can break from outside: its constructor throws while the file named by
/// FRAGILE_BREAK_FILE exists. The Arbiter's check (which only finds the type) passes; a worker that
/// constructs it fails to load the app. It answers with its process id, so tests can tell workers apart.
/// </summary>
public sealed class FragileApp : IHttpApp
{
    /// <summary>The environment variable naming the file whose presence breaks the app.</summary>
    public const string BreakFileVariable = "FRAGILE_BREAK_FILE";

    /// <summary>Creates the app, or throws when told to.</summary>
    public FragileApp()
    {
        if (Environment.GetEnvironmentVariable(BreakFileVariable) is { Length: > 0 } path && File.Exists(path))
            throw new InvalidOperationException($"Fragile is broken: {path} exists");
    }

    /// <inheritdoc />
    public Task HandleAsync(HttpRequest request, HttpResponse response, CancellationToken aborted)
    {
        if (request.Path == "/print")
        {
            // What an app writes to its standard streams (capture_output sends it to the error log).
            Console.WriteLine($"stdout of {Environment.ProcessId}");
            Console.Error.WriteLine($"stderr of {Environment.ProcessId}");
        }
        response.Headers.Add("Content-Type", "text/plain");
        return response.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"pid {Environment.ProcessId}"), aborted).AsTask();
    }
}
