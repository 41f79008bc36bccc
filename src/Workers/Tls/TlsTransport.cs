using System.Net.Security;
using System.Net.Sockets;
using AkkaGunicorn.Http.Server;

namespace AkkaGunicorn.Workers.Tls;

/// <summary>One TLS connection: its socket, the TLS stream over it, and what its handshake settles.</summary>
public sealed class TlsTransport(Socket socket, ServerTls tls)
{
    /// <summary>The socket under the TLS stream (probes, lingering close).</summary>
    public Socket Socket { get; } = socket;

    /// <summary>The TLS stream the stages read and write.</summary>
    public SslStream Stream { get; } = new(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);

    /// <summary>The server's settings.</summary>
    public ServerTls Tls { get; } = tls;

    /// <summary>What the handshake settled, for the requests to carry.</summary>
    public TlsSession Session { get; } = new();
}
