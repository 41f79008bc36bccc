using Akka.Event;

namespace AkkaGunicorn.Http.Stages;

/// <summary>
/// Names a stage's log by its class. Akka names it by the stage's shape (a string, such as
/// <c>FlowShape`2([RequestParser.in] [RequestParser.out])</c>), which no per-source log level can match.
/// </summary>
public static class StageLogSource
{
    /// <summary>The log source for a stage logic: its class, as the source and as the type.</summary>
    public static LogSource Of(object logic) => LogSource.Create(logic.GetType().FullName ?? logic.GetType().Name, logic.GetType());
}
