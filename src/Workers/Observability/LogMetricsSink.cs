using Serilog.Core;
using Serilog.Events;

namespace AkkaGunicorn.Workers.Observability;

/// <summary>Gunicorn's log counters: gunicorn.log.critical, .error, .warning, and .exception for an event with an exception.</summary>
public sealed class LogMetricsSink(StatsdClient statsd) : ILogEventSink
{
    /// <inheritdoc />
    public void Emit(LogEvent logEvent)
    {
        switch (logEvent.Level)
        {
            case LogEventLevel.Fatal: statsd.Increment("gunicorn.log.critical"); break;
            case LogEventLevel.Error: statsd.Increment("gunicorn.log.error"); break;
            case LogEventLevel.Warning: statsd.Increment("gunicorn.log.warning"); break;
        }
        if (logEvent.Exception is not null) statsd.Increment("gunicorn.log.exception");
    }
}
