using System.Net;
using System.Net.Sockets;

namespace AkkaGunicorn.Workers.Sockets;

/// <summary>A listening socket a worker inherited from its Arbiter, by descriptor number.</summary>
/// <param name="Descriptor">The inherited file descriptor.</param>
/// <param name="Name">How the Arbiter bound it, e.g. <c>127.0.0.1:8000</c> or <c>unix:/run/app.sock</c>.</param>
/// <param name="Tls">Whether its connections speak TLS.</param>
public sealed record InheritedListener(int Descriptor, string Name, bool Tls = false)
{
    /// <summary>Where clients reach it: <c>http://</c> or <c>https://</c> and the address, or <c>unix:PATH</c>.</summary>
    public string Url => Name.StartsWith("unix:", StringComparison.Ordinal) ? Name : ServerAddress;

    /// <summary>
    /// The address as ASP.NET Core's IServerAddressesFeature gives it, in Kestrel's form: always a URL, so
    /// <c>http://unix:/run/app.sock</c> for a Unix socket (middleware such as UseHsts parses every address as one).
    /// </summary>
    public string ServerAddress => $"{(Tls ? "https" : "http")}://{Name}";

    /// <summary>Adopts the descriptor as a Socket. The returned socket owns the descriptor in this process.</summary>
    public Socket Adopt() => new(new SafeSocketHandle((IntPtr)Descriptor, ownsHandle: true));

    /// <summary>
    /// For reuse_port: a TCP address gets a listening socket of this worker's own in the address's SO_REUSEPORT
    /// group (the inherited descriptor, bound but not listening, is closed); a Unix socket is adopted as usual.
    /// </summary>
    public Socket AdoptOrListenOwn(int backlog)
    {
        var inherited = Adopt();
        if (inherited.LocalEndPoint is not IPEndPoint endPoint) return inherited;
        inherited.Dispose();
        var socket = TcpListenerSocket.Create(endPoint.AddressFamily, reusePort: true);
        try
        {
            socket.Bind(endPoint);
            socket.Listen(backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
