using System.Net.Sockets;
using System.Text;

namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>
/// sd_notify(3) without libsystemd: one datagram per state change to the socket systemd names in NOTIFY_SOCKET
/// (a path, or an abstract name starting with '@'). Without NOTIFY_SOCKET it does nothing. The variable is
/// removed once read, so that workers do not report as the service.
/// </summary>
public sealed class SystemdNotifier
{
    private readonly string? _socket;

    private SystemdNotifier(string? socket) => _socket = socket;

    /// <summary>Reads (and clears) NOTIFY_SOCKET.</summary>
    public static SystemdNotifier FromEnvironment()
    {
        var socket = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        Environment.SetEnvironmentVariable("NOTIFY_SOCKET", null);
        return new SystemdNotifier(string.IsNullOrEmpty(socket) ? null : socket);
    }

    /// <summary>Sends a state such as <c>READY=1</c>; failures are logged, never thrown (systemd may be gone).</summary>
    public void Notify(string state)
    {
        if (_socket is null) return;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            var path = _socket[0] == '@' ? "\0" + _socket[1..] : _socket;
            socket.SendTo(Encoding.UTF8.GetBytes($"{state}\nMAINPID={Environment.ProcessId}"), new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e)
        {
            Serilog.Log.Warning("sd_notify to {Socket} failed: {Error}", _socket, e.Message);
        }
    }
}
