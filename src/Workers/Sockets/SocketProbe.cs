using System.Net.Sockets;
using AkkaGunicorn.Http.Server;

namespace AkkaGunicorn.Workers.Sockets;

/// <summary>Asks a connected socket, without reading from it, whether its peer has gone.</summary>
public static class SocketProbe
{
    /// <summary>Readable with nothing to read means the peer has closed (or reset) the connection.</summary>
    public static bool IsPeerGone(Socket socket)
    {
        try
        {
            return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    /// <summary>Whether received bytes wait unread in the kernel.</summary>
    public static bool HasUnreadInput(Socket socket)
    {
        try
        {
            return socket.Available > 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>What the HTTP stages may know of this connection: its endpoints and the two probes above.</summary>
    public static ConnectionInfo Describe(Socket socket) =>
        new(socket.RemoteEndPoint, socket.LocalEndPoint, () => IsPeerGone(socket), () => HasUnreadInput(socket));
}
