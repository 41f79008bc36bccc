using Akka;
using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;
using Serilog.Events;

namespace AkkaGunicorn.Workers.Logging;

/// <summary>
/// Akka's logger actor: Akka's log events (its own, and our stages' through their stage logs) go to Serilog, the one
/// sink every log line of the process ends in, as templates with their arguments and the logging class as source.
/// </summary>
public sealed class SerilogAkkaLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    /// <summary>The HOCON that installs this logger.</summary>
    public const string Config = """akka.loggers = ["AkkaGunicorn.Workers.Logging.SerilogAkkaLogger, AkkaGunicorn.Workers"]""";

    /// <summary>
    /// Akka's log level for the server's <c>loglevel</c>: our stages log through Akka, so their lines pass at the same
    /// level as the rest (Akka's own lines below warning are written as debug, see <see cref="Write"/>).
    /// </summary>
    public static string LevelConfig(string loglevel) => "akka.loglevel = " + loglevel.ToLowerInvariant() switch
    {
        "debug" => "DEBUG",
        "info" => "INFO",
        "warning" => "WARNING",
        _ => "ERROR",
    };

    /// <summary>Creates the logger.</summary>
    public SerilogAkkaLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<Akka.Event.LogEvent>(Write);
    }

    private const string DisassociatedException = "EndpointDisassociatedException";

    // Whoever can reach the remoting port can make the transport complain (failed handshakes, garbage frames): a few
    // lines a minute per complaint, each one line and a warning (a stranger's bad bytes are not the server's error); the
    // whole story only at debug level.
    private static readonly LogThrottle Transport = new(3, TimeSpan.FromMinutes(1));

    private static void Write(Akka.Event.LogEvent e)
    {
        var level = e switch
        {
            Error => LogEventLevel.Error,
            Warning => LogEventLevel.Warning,
            Info => LogEventLevel.Information,
            _ => LogEventLevel.Debug,
        };
        var cause = (e as Error)?.Cause;
        var text = e.Message is LogMessage m ? m.ToString() : e.Message?.ToString();
        // Every worker exit ends its association, and Akka.Remote reports that as a failure; the Arbiter
        // already says how each worker exited, so these are noise unless one is debugging remoting.
        if (cause?.GetType().Name == DisassociatedException || text?.Contains(DisassociatedException) == true
            || text?.Contains("from connection group") == true)
            level = LogEventLevel.Debug;
        // Akka's own information is the server's internals: debug, unless it is a warning or worse.
        var source = Source(e);
        if (level == LogEventLevel.Information && IsAkkas(e.LogClass, source)) level = LogEventLevel.Debug;
        if (level >= LogEventLevel.Warning && IsTransport(e.LogClass))
        {
            if (Serilog.Log.IsEnabled(LogEventLevel.Debug)) Serilog.Log.Write(LogEventLevel.Debug, cause, "{Message}", text);
            else Transport.Write(e.LogClass.Name, LogEventLevel.Warning, null, "Remoting: {Message}", Abridged(text, cause));
            return;
        }
        // Akka's own template and arguments, so that its events keep their properties, with the class that logged as
        // the source (per-source levels in the logging configuration apply to Akka's namespaces too).
        var log = Serilog.Log.ForContext(Serilog.Core.Constants.SourceContextPropertyName, source);
        if (e.Message is LogMessage structured) log.Write(level, cause, structured.Format, structured.Parameters().ToArray());
        else log.Write(level, cause, "{Message}", text);
    }

    /// <summary>The class that logged, or, for a source Akka names by a string (a stage's log), that string.</summary>
    private static string Source(Akka.Event.LogEvent e) =>
        e.LogClass is { } type && type != typeof(DummyClassForStringSources) ? type.FullName ?? type.Name : e.LogSource ?? "Akka";

    /// <summary>
    /// Whether Akka logged it: a class of Akka's, or a source Akka named by a string, except our stages' (they name
    /// theirs by class, see <c>StageLogSource</c>).
    /// </summary>
    private static bool IsAkkas(Type? type, string source) =>
        !source.StartsWith("AkkaGunicorn.", StringComparison.Ordinal)
        && type?.Namespace is { } name && (name.StartsWith("Akka", StringComparison.Ordinal) || name.StartsWith("DotNetty", StringComparison.Ordinal));

    /// <summary>
    /// Lowers Akka's level to warnings just before <paramref name="system"/> terminates (a CoordinatedShutdown task):
    /// once this logger is gone Akka prints to stdout at the bus's level, and its own shutdown lines (information) are
    /// not the server's to print.
    /// </summary>
    public static void QuietenAtTermination(ActorSystem system) =>
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "quieten-akka", () =>
        {
            system.EventStream.SetLogLevel(LogLevel.WarningLevel);
            return Task.FromResult(Done.Instance);
        });

    private static bool IsTransport(Type? source) =>
        source?.Namespace is { } name && (name.StartsWith("Akka.Remote", StringComparison.Ordinal) || name.StartsWith("DotNetty", StringComparison.Ordinal));

    /// <summary>The first line of the message and of its cause, at most a few hundred characters (a bad frame is dumped in hex).</summary>
    private static string Abridged(string? text, Exception? cause)
    {
        var line = (text ?? "").Split('\n', 2)[0].TrimEnd() + (cause is null ? "" : $" ({cause.GetBaseException().Message.Split('\n', 2)[0]})");
        return line.Length <= 240 ? line : line[..240] + "…";
    }
}
