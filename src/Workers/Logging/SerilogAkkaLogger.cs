using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;
using Serilog.Events;

namespace AkkaGunicorn.Workers.Logging;

/// <summary>Akka's logger actor, writing Akka's log events (ours and Akka's own) to Serilog.</summary>
public sealed class SerilogAkkaLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    /// <summary>The HOCON that installs this logger.</summary>
    public const string Config = """akka.loggers = ["AkkaGunicorn.Workers.Logging.SerilogAkkaLogger, AkkaGunicorn.Workers"]""";

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
        if (level >= LogEventLevel.Warning && IsTransport(e.LogClass))
        {
            if (Serilog.Log.IsEnabled(LogEventLevel.Debug)) Serilog.Log.Write(LogEventLevel.Debug, cause, "{Message}", text);
            else Transport.Write(e.LogClass.Name, LogEventLevel.Warning, null, "Remoting: {Message}", Abridged(text, cause));
            return;
        }
        Serilog.Log.Write(level, cause, "{Message}", text);
    }

    private static bool IsTransport(Type? source) =>
        source?.Namespace is { } name && (name.StartsWith("Akka.Remote", StringComparison.Ordinal) || name.StartsWith("DotNetty", StringComparison.Ordinal));

    /// <summary>The first line of the message and of its cause, at most a few hundred characters (a bad frame is dumped in hex).</summary>
    private static string Abridged(string? text, Exception? cause)
    {
        var line = (text ?? "").Split('\n', 2)[0].TrimEnd() + (cause is null ? "" : $" ({cause.GetBaseException().Message.Split('\n', 2)[0]})");
        return line.Length <= 240 ? line : line[..240] + "…";
    }
}
