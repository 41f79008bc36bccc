using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace AkkaGunicorn.Workers.Logging;

/// <summary>
/// One syslog channel as Gunicorn opens them (<c>syslog_addr</c>, <c>syslog_facility</c>): one datagram per message,
/// <c>&lt;PRI&gt;TAG: [PID] message</c> (BSD syslog, what Python's SysLogHandler sends; the daemon adds the time and
/// host). A datagram that cannot be sent (no daemon listening) is dropped: logging never stops the server.
/// </summary>
public sealed class SyslogWriter : IDisposable
{
    // Python's SysLogHandler cuts nothing, but a UDP datagram over 64 KiB cannot go; syslog daemons keep 8 KiB or so.
    private const int MaxMessage = 8192;
    private readonly Socket _socket;
    private readonly string _header;
    private readonly int _facility;
    private readonly object _gate = new();

    /// <summary>A channel to <paramref name="target"/> with <paramref name="facility"/>'s number, each message tagged <paramref name="tag"/>.</summary>
    public SyslogWriter(SyslogTarget target, int facility, string tag)
    {
        _socket = new Socket(target.EndPoint.AddressFamily, SocketType.Dgram,
            target.EndPoint.AddressFamily == AddressFamily.Unix ? ProtocolType.Unspecified : ProtocolType.Udp);
        _facility = facility;
        _header = $"{tag}: [{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}] ";
        try
        {
            _socket.Connect(target.EndPoint);
        }
        catch (SocketException)
        {
            // No daemon yet (a Unix socket that does not exist): every send will be dropped until one is there.
        }
    }

    /// <summary>Sends <paramref name="message"/> with <paramref name="severity"/> (RFC 5424 §6.2.1: 6 info, 3 error …).</summary>
    public void Send(int severity, string message)
    {
        var text = new StringBuilder(_header.Length + message.Length + 8)
            .Append('<').Append((_facility * 8 + severity).ToString(CultureInfo.InvariantCulture)).Append('>')
            .Append(_header).Append(message);
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        lock (_gate)
        {
            try
            {
                _socket.Send(bytes.AsSpan(0, Math.Min(bytes.Length, MaxMessage)), SocketFlags.None);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Dropped, as syslog over UDP drops.
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _socket.Dispose();
}
