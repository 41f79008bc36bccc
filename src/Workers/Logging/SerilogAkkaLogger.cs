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
        Serilog.Log.Write(level, cause, "{Message}", text);
    }
}
