using System.Net.Sockets;

namespace AkkaGunicorn.Workers.Sockets;

/// <summary>A TCP socket about to be bound for listening, with the options this server listens with.</summary>
public static class TcpListenerSocket
{
    private const int SolSocket = 1, SoReuseAddr = 2, SoReusePort = 15;

    /// <summary>
    /// Creates the socket: SO_REUSEADDR, so a restart can bind while old connections sit in TIME_WAIT (.NET's own
    /// ReuseAddress option would also set SO_REUSEPORT on Linux, letting a second server silently share the port);
    /// SO_REUSEPORT only when <paramref name="reusePort"/>; IPv6 sockets for IPv6 only.
    /// </summary>
    public static Socket Create(AddressFamily family, bool reusePort)
    {
        var socket = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
        socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
        if (reusePort) socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
        if (family == AddressFamily.InterNetworkV6) socket.DualMode = false;
        return socket;
    }
}
