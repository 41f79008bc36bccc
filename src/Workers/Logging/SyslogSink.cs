using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Serilog.Core;
using Serilog.Events;

namespace AkkaGunicorn.Workers.Logging;

/// <summary>
/// Sends the error log to syslog as Gunicorn does (<c>syslog</c>, <c>syslog_addr</c>, <c>syslog_facility</c>,
/// <c>syslog_prefix</c>): one datagram per event, <c>&lt;PRI&gt;akkagunicorn.PREFIX.error: [PID] [LEVEL] message</c>
/// (BSD syslog, what Python's SysLogHandler sends; the daemon adds the time and host). A datagram that cannot be sent
/// (no daemon listening) is dropped: logging never stops the server.
/// </summary>
public sealed class SyslogSink : ILogEventSink, IDisposable
{
    // Python's SysLogHandler cuts nothing, but a UDP datagram over 64 KiB cannot go; syslog daemons keep 8 KiB or so.
    private const int MaxMessage = 8192;
    private readonly Socket _socket;
    private readonly int _facility;
    private readonly string _tag;
    private readonly object _gate = new();

    /// <summary>A sink sending to <paramref name="target"/> with <paramref name="facility"/>'s number, each message tagged <paramref name="tag"/>.</summary>
    public SyslogSink(SyslogTarget target, int facility, string tag)
    {
        _socket = new Socket(target.EndPoint.AddressFamily, SocketType.Dgram,
            target.EndPoint.AddressFamily == AddressFamily.Unix ? ProtocolType.Unspecified : ProtocolType.Udp);
        _facility = facility;
        _tag = tag;
        try
        {
            _socket.Connect(target.EndPoint);
        }
        catch (SocketException)
        {
            // No daemon yet (a Unix socket that does not exist): every send will be dropped until one is there.
        }
    }

    /// <inheritdoc />
    public void Emit(LogEvent logEvent)
    {
        var text = new StringBuilder(256)
            .Append('<').Append((_facility * 8 + Severity(logEvent.Level)).ToString(CultureInfo.InvariantCulture)).Append('>')
            .Append(_tag).Append(": [").Append(Environment.ProcessId.ToString(CultureInfo.InvariantCulture)).Append("] [")
            .Append(ServerLog.LevelName(logEvent.Level)).Append("] ")
            .Append(logEvent.RenderMessage(CultureInfo.InvariantCulture));
        if (logEvent.Exception is { } exception) text.Append('\n').Append(exception);
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

    /// <summary>Syslog's severity for a Serilog level (RFC 5424 §6.2.1).</summary>
    public static int Severity(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => 2,
        LogEventLevel.Error => 3,
        LogEventLevel.Warning => 4,
        LogEventLevel.Information => 6,
        _ => 7,
    };

    /// <inheritdoc />
    public void Dispose() => _socket.Dispose();
}
