using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace AkkaGunicorn.Integration.Tests.Support;

/// <summary>
/// Busy keep-alive clients that never retry: each sends a request, reads the whole response, and sends the
/// next on the same connection unless the response said <c>Connection: close</c>. A reset, an early close,
/// a refused connect or a non-200 answer counts as a failed request. Unlike HttpClient, which silently
/// resends a request on a reused connection the server closed, this sees every lost request.
/// </summary>
public sealed class SteadyLoad : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _clients = [];
    private long _successes, _failures, _closes;
    private volatile bool _noReconnect;

    /// <summary>How many successful responses carried each body (for apps that answer who served them).</summary>
    public ConcurrentDictionary<string, long> Bodies { get; } = new();

    /// <summary>Failure descriptions, for the test output.</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    public long Successes => Interlocked.Read(ref _successes);

    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Responses that carried Connection: close (a draining worker's).</summary>
    public long Closes => Interlocked.Read(ref _closes);

    /// <summary>Starts <paramref name="clients"/> connections' worth of load on 127.0.0.1:<paramref name="port"/>, GETting <paramref name="path"/>.</summary>
    public static SteadyLoad Start(int port, int clients, string path = "/load")
    {
        var load = new SteadyLoad();
        for (int i = 0; i < clients; i++) load._clients.Add(Task.Run(() => load.RunClientAsync(port, path)));
        return load;
    }

    /// <summary>Waits until <paramref name="more"/> further requests have succeeded (deadline 60 s).</summary>
    public async Task WaitForMoreSuccessesAsync(long more)
    {
        long target = Successes + more;
        await Eventually.UntilAsync(() => Task.FromResult(Successes), done => done >= target,
            done => $"only {done} of {target} requests succeeded within 60 s ({Failures} failed)", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(10));
    }

    /// <summary>
    /// From now on a client whose connection the server closes (with Connection: close) stops instead of
    /// reconnecting: for a server that is going away, where a new connection could only be refused.
    /// </summary>
    public void StopReconnecting() => _noReconnect = true;

    /// <summary>Waits until every client has stopped (see <see cref="StopReconnecting"/>); deadline 60 s.</summary>
    public Task WhenAllStoppedAsync() => Task.WhenAll(_clients).WaitAsync(TimeSpan.FromSeconds(60));

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await Task.WhenAll(_clients);
        _stop.Dispose();
    }

    private async Task RunClientAsync(int port, string path)
    {
        var request = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        var buffer = new byte[65536];
        while (!_stop.IsCancellationRequested && !_noReconnect)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
                bool open = true;
                while (open && !_stop.IsCancellationRequested)
                {
                    await socket.SendAsync(request, SocketFlags.None);
                    var response = await ReadResponseAsync(socket, buffer);
                    if (response is null) { Fail("the connection closed with no response"); break; }
                    if (response.Status != 200) Fail($"status {response.Status}");
                    else
                    {
                        Interlocked.Increment(ref _successes);
                        Bodies.AddOrUpdate(response.BodyText, 1, (_, n) => n + 1);
                    }
                    open = !string.Equals(response.Header("Connection"), "close", StringComparison.OrdinalIgnoreCase);
                    if (!open) Interlocked.Increment(ref _closes);
                }
            }
            catch (SocketException e)
            {
                Fail(e.SocketErrorCode.ToString());
            }
        }
    }

    private static async Task<ParsedResponse?> ReadResponseAsync(Socket socket, byte[] buffer)
    {
        var received = new MemoryStream();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            if (n == 0) return null;
            received.Write(buffer, 0, n);
            int offset = 0;
            if (HttpResponseReader.TryRead(received.ToArray(), ref offset, out var response, connectionClosed: false)) return response;
        }
    }

    private void Fail(string why)
    {
        Interlocked.Increment(ref _failures);
        Errors.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {why}");
    }
}
