using System.Net;
using System.Net.Sockets;
using AkkaGunicorn.Arbiter.Native;
using AkkaGunicorn.Arbiter.Settings;
using AkkaGunicorn.Workers.Sockets;

namespace AkkaGunicorn.Arbiter.Listeners;

/// <summary>
/// The listening sockets, bound by the Arbiter (as Gunicorn's arbiter binds them) so that they outlive
/// every worker: a crashed worker loses none of the queue. Their descriptors are made inheritable.
/// </summary>
public sealed class ListenerSet : IDisposable
{
    private readonly List<(Socket Socket, string Name, string? UnixPath, bool Tls)> _sockets = [];

    /// <summary>The listeners as workers adopt them.</summary>
    public IReadOnlyList<InheritedListener> Inherited =>
        _sockets.Select(s => new InheritedListener((int)s.Socket.SafeHandle.DangerousGetHandle(), s.Name, s.Tls)).ToList();

    /// <summary>The listeners' URLs: <c>http://</c> or <c>https://</c> and the address, or <c>unix:PATH</c>.</summary>
    public IReadOnlyList<string> Urls => Inherited.Select(l => l.Url).ToList();

    /// <summary>The descriptor numbers, for a successor Arbiter to inherit.</summary>
    public IReadOnlyList<int> Descriptors => _sockets.Select(s => (int)s.Socket.SafeHandle.DangerousGetHandle()).ToList();

    /// <summary>The bound addresses, with the real port when 0 was asked for.</summary>
    public IReadOnlyList<string> Names => _sockets.Select(s => s.Name).ToList();

    /// <summary>
    /// Binds every address; throws <see cref="SocketException"/> naming the address that failed. With
    /// <paramref name="reusePort"/>, TCP addresses are bound with SO_REUSEPORT but not listened on: the Arbiter
    /// holds the port (no other user can take it) while each worker listens on a socket of its own.
    /// </summary>
    /// <param name="addresses">What to bind.</param>
    /// <param name="backlog">The listen queue's length.</param>
    /// <param name="reusePort">Bind TCP addresses with SO_REUSEPORT.</param>
    /// <param name="unixMode">The mode of Unix socket files (who may connect), or null to leave it to the umask.</param>
    public static ListenerSet Bind(IEnumerable<BindAddress> addresses, int backlog, bool reusePort = false, UnixFileMode? unixMode = null)
    {
        var set = new ListenerSet();
        try
        {
            foreach (var address in addresses) set.Add(address, backlog, reusePort, unixMode);
            return set;
        }
        catch
        {
            set.Dispose();
            throw;
        }
    }

    private void Add(BindAddress address, int backlog, bool reusePort, UnixFileMode? unixMode)
    {
        Socket socket;
        string? unixPath = null;
        if (address.EndPoint is UnixDomainSocketEndPoint unix)
        {
            unixPath = unix.ToString();
            if (File.Exists(unixPath)) File.Delete(unixPath);
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        }
        else
        {
            socket = TcpListenerSocket.Create(address.EndPoint.AddressFamily, reusePort);
        }
        try
        {
            socket.Bind(address.EndPoint);
            // Before listen: no connection can come in under a looser mode.
            if (unixPath is not null && unixMode is { } mode) File.SetUnixFileMode(unixPath, mode);
            // A listening socket in a SO_REUSEPORT group gets its share of connections: the Arbiter's would never be served.
            if (!(reusePort && unixPath is null)) socket.Listen(backlog);
            Libc.ClearCloseOnExec((int)socket.SafeHandle.DangerousGetHandle());
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new SocketException((int)e.SocketErrorCode, $"cannot listen on {address.Text}: {e.Message}");
        }
        _sockets.Add((socket, NameOf(socket, unixPath), unixPath, address.Tls ?? false));
    }

    /// <summary>
    /// Takes over listening sockets this process inherited (from systemd, or from the Arbiter it upgrades)
    /// instead of binding. Unix socket files are removed on exit only when <paramref name="ownUnixFiles"/>.
    /// <paramref name="tlsFor"/> tells, by a socket's address, whether it speaks TLS.
    /// </summary>
    public static ListenerSet Adopt(IEnumerable<int> descriptors, bool ownUnixFiles, Func<EndPoint?, bool> tlsFor)
    {
        var set = new ListenerSet();
        foreach (int fd in descriptors)
        {
            var socket = new Socket(new SafeSocketHandle((IntPtr)fd, ownsHandle: true));
            Libc.ClearCloseOnExec(fd);
            string? unixPath = socket.LocalEndPoint is UnixDomainSocketEndPoint unix ? unix.ToString() : null;
            set._sockets.Add((socket, NameOf(socket, unixPath), ownUnixFiles ? unixPath : null, tlsFor(socket.LocalEndPoint)));
        }
        return set;
    }

    /// <summary>While set, <see cref="Dispose"/> leaves Unix socket files in place: another Arbiter serves on them.</summary>
    public bool KeepUnixSocketFiles { get; set; }

    private static string NameOf(Socket socket, string? unixPath) => socket.LocalEndPoint switch
    {
        IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } ip => $"[{ip.Address}]:{ip.Port}",
        IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        _ => $"unix:{unixPath ?? socket.LocalEndPoint?.ToString()}",
    };

    private readonly Dictionary<Socket, EndPoint> _paused = new();

    /// <summary>
    /// Stops taking connections on the TCP listeners (a drained node): connecting clients are refused at once, so a
    /// balancer moves them to other nodes without waiting for a timeout. The descriptors stay, shared with the workers
    /// as before; Unix socket listeners are left as they are.
    /// </summary>
    public void Pause()
    {
        foreach (var (socket, _, unixPath, _) in _sockets)
        {
            if (unixPath is not null || _paused.ContainsKey(socket)) continue;
            _paused[socket] = socket.LocalEndPoint!;
            Native.Libc.StopListening((int)socket.SafeHandle.DangerousGetHandle());
        }
    }

    /// <summary>Listens again where <see cref="Pause"/> stopped, on the same descriptors (which workers started later inherit).</summary>
    public void Resume(int backlog)
    {
        foreach (var (socket, endpoint) in _paused)
        {
            socket.Bind(endpoint);
            socket.Listen(backlog);
        }
        _paused.Clear();
    }

    /// <summary>
    /// Closes this process's descriptors. The sockets live on in the workers that inherited them; Unix socket
    /// files stay until <see cref="Dispose"/>.
    /// </summary>
    public void CloseDescriptors()
    {
        foreach (var (socket, _, _, _) in _sockets) socket.Dispose();
    }

    /// <summary>Closes the sockets and removes Unix socket files.</summary>
    public void Dispose()
    {
        foreach (var (socket, _, unixPath, _) in _sockets)
        {
            socket.Dispose();
            if (unixPath is not null && !KeepUnixSocketFiles && File.Exists(unixPath)) File.Delete(unixPath);
        }
        _sockets.Clear();
    }
}
