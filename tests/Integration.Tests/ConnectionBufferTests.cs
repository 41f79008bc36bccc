using System.Net.Sockets;
using System.Text;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>
/// Response buffers go back to a pool shared by every connection of a worker, including the buffer of a response that
/// closes its connection, which may still be on its way out when its stages stop. Shared or reused too early, one
/// client would read another's bytes: many clients at once, each response filled with a value of its own, must each
/// get only theirs. (Over loopback the kernel takes a 12 KB send at once, so the wait for the last send is pinned by
/// ConnectionScopeTests; this drives the pooled path end to end.)
/// </summary>
public sealed class ConnectionBufferTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Closing_responses_sent_from_pooled_buffers_reach_each_client_whole_and_only_its_own()
    {
        await using var server = await ServerProcess.StartServingAsync(["--workers", "1", Paths.Fragile], 1, output);
        // Above the writer's inline limit (8 KiB), so the body goes out from the response's own buffer (16 KiB).
        const int Length = 12_000;
        int failures = 0, served = 0;
        var clients = Enumerable.Range(0, 16).Select(client => Task.Run(async () =>
        {
            for (int i = 0; i < 40; i++)
            {
                byte value = (byte)((client * 40 + i) % 251 + 1);
                var body = await FetchClosingAsync(server.Port, $"/fill?{value}:{Length}");
                if (body.Length != Length || body.Any(b => b != value))
                {
                    Interlocked.Increment(ref failures);
                    output.WriteLine($"client {client} request {i}: {body.Length} bytes, {body.Count(b => b != value)} not {value}");
                }
                Interlocked.Increment(ref served);
            }
        })).ToList();
        await Task.WhenAll(clients);
        Assert.Equal(640, served);
        Assert.Equal(0, failures);
    }

    /// <summary>An HTTP/1.1 request with <c>Connection: close</c>; the body is what comes after the head until the server closes.</summary>
    private static async Task<byte[]> FetchClosingAsync(int port, string target)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port), deadline.Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"), deadline.Token);
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, deadline.Token)) > 0) received.Write(buffer, 0, n);
        var all = received.ToArray();
        int headEnd = all.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.True(headEnd > 0, Encoding.ASCII.GetString(all));
        Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(all, 0, headEnd));
        return all[(headEnd + 4)..];
    }
}
