using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AkkaGunicorn.Testing;

/// <summary>A client that writes raw bytes and reads until the server closes (or a deadline passes).</summary>
public sealed class RawClient : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public RawClient(int port) => _socket.Connect(new IPEndPoint(IPAddress.Loopback, port));

    public Socket Socket => _socket;

    public Task SendAsync(byte[] bytes) => _socket.SendAsync(bytes, SocketFlags.None);

    public Task SendAsync(string text) => SendAsync(Encoding.Latin1.GetBytes(text));

    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Reads everything until the server closes; throws if it does not close within the timeout.</summary>
    public async Task<byte[]> ReadToEndAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var all = new MemoryStream();
        var buffer = new byte[65536];
        while (true)
        {
            int n;
            try
            {
                n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                break;
            }
            if (n == 0) break;
            all.Write(buffer, 0, n);
        }
        return all.ToArray();
    }

    /// <summary>Reads until <paramref name="done"/> says the bytes so far are enough.</summary>
    public async Task<byte[]> ReadUntilAsync(Func<byte[], bool> done, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var all = new MemoryStream();
        var buffer = new byte[65536];
        while (!done(all.ToArray()))
        {
            int n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (n == 0) break;
            all.Write(buffer, 0, n);
        }
        return all.ToArray();
    }

    public void Dispose() => _socket.Dispose();
}
