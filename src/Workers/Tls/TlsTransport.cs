using System.Net.Security;
using System.Net.Sockets;
using AkkaGunicorn.Http.Server;

namespace AkkaGunicorn.Workers.Tls;

/// <summary>One TLS connection: its socket, the TLS stream over it, and what its handshake settles.</summary>
public sealed class TlsTransport
{
    private readonly PrefixedStream _inner;

    /// <summary>A TLS connection over <paramref name="socket"/> with the server's <paramref name="tls"/> settings.</summary>
    public TlsTransport(Socket socket, ServerTls tls)
    {
        Socket = socket;
        Tls = tls;
        _inner = new PrefixedStream(new NetworkStream(socket, ownsSocket: false));
        Stream = new SslStream(_inner, leaveInnerStreamOpen: false);
    }

    /// <summary>The socket under the TLS stream (probes, lingering close).</summary>
    public Socket Socket { get; }

    /// <summary>The TLS stream the stages read and write.</summary>
    public SslStream Stream { get; }

    /// <summary>The server's settings.</summary>
    public ServerTls Tls { get; }

    /// <summary>What the handshake settled, for the requests to carry.</summary>
    public TlsSession Session { get; } = new();

    /// <summary>Bytes read from the socket before the handshake (after a PROXY preamble) that belong to it.</summary>
    public void Unread(ReadOnlyMemory<byte> bytes) => _inner.Prefix(bytes);
}
