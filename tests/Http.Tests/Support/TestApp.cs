using System.Text;
using AkkaGunicorn.Http.App;

namespace AkkaGunicorn.Http.Tests.Support;

/// <summary>A routing app for behaviour tests; each path exercises one thing a real app does.</summary>
public sealed class TestApp : IHttpApp
{
    private readonly Echo.EchoApp _echo = new();

    /// <summary>Completed by the test to let a request to /wait finish.</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed when a request to /wait has started.</summary>
    public TaskCompletionSource WaitStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed with true when a /wait request saw its cancellation token fire.</summary>
    public TaskCompletionSource<bool> Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task HandleAsync(HttpRequest request, HttpResponse response, CancellationToken aborted)
    {
        switch (request.Path)
        {
            case "/count":
            {
                var buffer = new byte[64 * 1024];
                long total = 0;
                int n;
                while ((n = await request.Body.ReadAsync(buffer, aborted)) > 0) total += n;
                await response.WriteAsync(total.ToString(), aborted);
                return;
            }
            case "/stream":
            {
                var query = request.Query.Split('&').Select(p => p.Split('=')).ToDictionary(p => p[0], p => int.Parse(p[1]));
                var chunk = new byte[query["size"]];
                Array.Fill(chunk, (byte)'x');
                for (int i = 0; i < query["n"]; i++)
                {
                    await response.WriteAsync(chunk, aborted);
                    await response.FlushAsync(aborted);
                }
                return;
            }
            case "/throw":
                throw new InvalidOperationException("boom before the response started");
            case "/throw-after":
                await response.WriteAsync("partial", aborted);
                await response.FlushAsync(aborted);
                throw new InvalidOperationException("boom after the response started");
            case "/wait":
                WaitStarted.TrySetResult();
                using (aborted.Register(() => Aborted.TrySetResult(true)))
                    await Gate.Task;
                await response.WriteAsync("waited", aborted);
                return;
            case "/no-read":
                await response.WriteAsync("ignored the body", aborted);
                return;
            default:
                await _echo.HandleAsync(request, response, aborted);
                return;
        }
    }

    public static string Text(byte[] bytes) => Encoding.Latin1.GetString(bytes);
}
