using System.Globalization;
using Serilog.Core;
using Serilog.Events;

namespace AkkaGunicorn.Workers.Logging;

/// <summary>
/// Sends the error log to syslog as Gunicorn does (<c>syslog</c>): each event as
/// <c>&lt;PRI&gt;akkagunicorn.PREFIX.error: [PID] [LEVEL] message</c>, with the level's severity.
/// </summary>
public sealed class SyslogSink(SyslogWriter writer) : ILogEventSink, IDisposable
{
    /// <inheritdoc />
    public void Emit(LogEvent logEvent)
    {
        var message = $"[{ServerLog.LevelName(logEvent.Level)}] {logEvent.RenderMessage(CultureInfo.InvariantCulture)}";
        writer.Send(Severity(logEvent.Level), logEvent.Exception is { } exception ? message + "\n" + exception : message);
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
    public void Dispose() => writer.Dispose();
}
