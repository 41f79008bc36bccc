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
        Serilog.Log.Write(level, cause, "{Message}", e.Message is LogMessage m ? m.ToString() : e.Message?.ToString());
    }
}
