using Microsoft.Extensions.Configuration;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;
using Serilog.Formatting.Json;
using System.Globalization;

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

    private const string TextTemplate = "[{Timestamp:yyyy-MM-dd HH:mm:ss zzz}] [{ProcessId}] [{LevelName}] {Message:lj}{NewLine}{Exception}";

    /// <summary>The error log file, when it is one (for USR1 and <c>ctl reopen</c>).</summary>
    public static LineFile? ErrorFile { get; private set; }

    private static bool _captureOutput;

    /// <summary>
    /// Configures the global logger: Gunicorn-style text lines, or one JSON object per line with
    /// <paramref name="json"/>, on stderr (<paramref name="errorLog"/> "-") or appended to a file. With
    /// <paramref name="captureOutput"/> and a file, the process's stdout and stderr go to that file too.
    /// Each of <paramref name="extra"/> receives every event as well (log metrics, syslog). <paramref name="configJson"/>
    /// (<c>logconfig_json</c>), a JSON file with a "Serilog" section in Serilog.Settings.Configuration's format, and
    /// <paramref name="configTree"/> (<c>logging</c>), that section's keys flattened (<c>WriteTo:0:Name</c>), laid over
    /// it, add to that: levels per source, more sinks, enrichers. Throws <see cref="InvalidDataException"/> when they
    /// cannot be used.
    /// </summary>
    public static void Configure(string level, string errorLog = "-", bool json = false, bool captureOutput = false, IEnumerable<ILogEventSink>? extra = null,
        string? configJson = null, IReadOnlyDictionary<string, string>? configTree = null)
    {
        ITextFormatter formatter = json
            ? new JsonFormatter(renderMessage: true, formatProvider: CultureInfo.InvariantCulture)
            : new MessageTemplateTextFormatter(TextTemplate, CultureInfo.InvariantCulture);
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(Levels.TryGetValue(level, out var l) ? l : LogEventLevel.Information)
            .Enrich.With(new GunicornStyle());
        ErrorFile?.Dispose();
        ErrorFile = errorLog == "-" ? null : LineFile.Open(errorLog, standardDescriptor: 2);
        configuration = ErrorFile is null
            ? configuration.WriteTo.Console(formatter, standardErrorFromLevel: LogEventLevel.Verbose)
            : configuration.WriteTo.Sink(new LineFileSink(ErrorFile, formatter));
        foreach (var sink in extra ?? []) configuration = configuration.WriteTo.Sink(sink);
        if (configJson is null && configTree is not { Count: > 0 })
        {
            Log.Logger = configuration.CreateLogger();
        }
        else
        {
            // Serilog only mentions what it cannot use (an unknown sink, say) on its self-log: a mistake there is refused.
            var problems = new StringWriter();
            Serilog.Debugging.SelfLog.Enable(TextWriter.Synchronized(problems));
            try
            {
                Log.Logger = FromConfiguration(configuration, configJson, configTree ?? new Dictionary<string, string>()).CreateLogger();
            }
            finally
            {
                Serilog.Debugging.SelfLog.Disable();
            }
            if (problems.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() is { } problem)
                throw new InvalidDataException(problem[(problem.IndexOf(' ') + 1)..].Trim());
        }
        _captureOutput = captureOutput;
        CaptureOutput();
    }

    private static LoggerConfiguration FromConfiguration(LoggerConfiguration configuration, string? jsonPath, IReadOnlyDictionary<string, string> tree)
    {
        try
        {
            var builder = new ConfigurationBuilder();
            if (jsonPath is not null)
            {
                builder.AddJsonFile(Path.GetFullPath(jsonPath), optional: false);
                if (!builder.Build().GetSection("Serilog").Exists()) throw new InvalidDataException("it has no \"Serilog\" section");
            }
            var settings = builder
                .AddInMemoryCollection(tree.Select(kv => KeyValuePair.Create<string, string?>("Serilog:" + kv.Key, kv.Value)))
                .Build();
            settings = builder.AddInMemoryCollection(SharedFiles(settings)).Build();
            // Sinks are found in the assemblies this server ships (console, file), named in the file's "Using" or not.
            var options = new Serilog.Settings.Configuration.ConfigurationReaderOptions(
                typeof(ConsoleLoggerConfigurationExtensions).Assembly, typeof(FileLoggerConfigurationExtensions).Assembly);
            return configuration.ReadFrom.Configuration(settings, options);
        }
        catch (Exception e) when (e is not InvalidDataException and (IOException or FormatException or InvalidOperationException or ArgumentException
            or System.Reflection.TargetInvocationException))
        {
            throw new InvalidDataException(e.Message, e);
        }
    }

    /// <summary>
    /// Every process of the server (the Arbiter, each worker) writes a configured file, as all of Gunicorn's processes
    /// write its error log. Serilog's file sink writes from its own offset unless told the file is shared, so the
    /// processes' lines overwrote each other: a file sink is shared unless its configuration says otherwise (or buffers,
    /// which sharing does not allow).
    /// </summary>
    private static IEnumerable<KeyValuePair<string, string?>> SharedFiles(IConfiguration settings) =>
        from sink in settings.GetSection("Serilog:WriteTo").GetChildren()
        where string.Equals(sink["Name"], "File", StringComparison.OrdinalIgnoreCase)
            && sink["Args:shared"] is null && !string.Equals(sink["Args:buffered"], "true", StringComparison.OrdinalIgnoreCase)
        select KeyValuePair.Create<string, string?>(sink.Path + ":Args:shared", "true");

    /// <summary>Gunicorn's name for a level, as its log lines show it.</summary>
    public static string LevelName(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose or LogEventLevel.Debug => "DEBUG",
        LogEventLevel.Information => "INFO",
        LogEventLevel.Warning => "WARNING",
        LogEventLevel.Error => "ERROR",
        _ => "CRITICAL",
    };

    /// <summary>Reopens the error log file (after logrotate moved it); standard error needs nothing.</summary>
    public static void Reopen()
    {
        ErrorFile?.Reopen();
        CaptureOutput();
    }

    private static void CaptureOutput()
    {
        if (!_captureOutput || ErrorFile is null) return;
        Console.Out.Flush();
        Console.Error.Flush();
        ErrorFile.Capture(1);
        ErrorFile.Capture(2);
        // .NET's Console writes to its own duplicate of descriptors 1 and 2, taken when first used: give it new ones.
        Console.SetOut(new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true });
        Console.SetError(new StreamWriter(Console.OpenStandardError()) { AutoFlush = true });
    }

    private sealed class GunicornStyle : ILogEventEnricher
    {
        private readonly LogEventProperty _pid = new("ProcessId", new ScalarValue(Environment.ProcessId));

        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
        {
            logEvent.AddPropertyIfAbsent(_pid);
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("LevelName", LevelName(logEvent.Level)));
        }
    }
}
