using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace AkkaGunicorn.Workers.Logging;

/// <summary>
/// Serilog set up as Gunicorn's error log looks: <c>[2026-11-28 12:00:00 +0000] [PID] [INFO] message</c>,
/// on stderr, so that one stream carries the Arbiter's and its workers' lines, each with its own PID.
/// </summary>
public static class ServerLog
{
    /// <summary>Gunicorn's level names, accepted by <c>--log-level</c>.</summary>
    public static readonly IReadOnlyDictionary<string, LogEventLevel> Levels = new Dictionary<string, LogEventLevel>(StringComparer.OrdinalIgnoreCase)
    {
        ["debug"] = LogEventLevel.Debug,
        ["info"] = LogEventLevel.Information,
        ["warning"] = LogEventLevel.Warning,
        ["error"] = LogEventLevel.Error,
        ["critical"] = LogEventLevel.Fatal,
    };

    /// <summary>Configures the global logger.</summary>
    public static void Configure(string level)
    {
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Is(Levels.TryGetValue(level, out var l) ? l : LogEventLevel.Information)
            .Enrich.With(new GunicornStyle())
            .WriteTo.Console(
                outputTemplate: "[{Timestamp:yyyy-MM-dd HH:mm:ss zzz}] [{ProcessId}] [{LevelName}] {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: LogEventLevel.Verbose,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture)
            .CreateLogger();
    }

    private sealed class GunicornStyle : ILogEventEnricher
    {
        private readonly LogEventProperty _pid = new("ProcessId", new ScalarValue(Environment.ProcessId));

        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
        {
            logEvent.AddPropertyIfAbsent(_pid);
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("LevelName", logEvent.Level switch
            {
                LogEventLevel.Verbose or LogEventLevel.Debug => "DEBUG",
                LogEventLevel.Information => "INFO",
                LogEventLevel.Warning => "WARNING",
                LogEventLevel.Error => "ERROR",
                _ => "CRITICAL",
            }));
        }
    }
}
