using System.Text.Json.Nodes;
using Akka.Actor;
using AkkaGunicorn.Arbiter.Supervision;

namespace AkkaGunicorn.Arbiter.Control;

/// <summary>
/// Carries out control commands. Those the Arbiter must act on each get a <see cref="CommandRun"/>, which answers only
/// once the effect has happened or has failed: a worker added answers when it serves, one removed or killed when it
/// has exited (a killed one, when its replacement serves), a reload when the new generation serves or was abandoned.
/// Each answer is a JSON object with "ok" and either the result or "error".
/// </summary>
public sealed class ControlActor : ReceiveActor
{
    private readonly IActorRef _arbiter;
    private readonly Action<Shutdown> _requestStop;
    private readonly bool _clustered;
    private Func<ControlCommand, Task<JsonObject>>? _fleet;

    /// <summary>A command to run; the answer goes to the sender.</summary>
    public sealed record Run(ControlCommand Command);

    /// <summary>Command: from now on, cluster commands go to <paramref name="Fleet"/> (this Arbiter joined a fleet).</summary>
    public sealed record JoinedFleet(Func<ControlCommand, Task<JsonObject>> Fleet);

    /// <summary>
    /// Props for the control actor; <paramref name="requestStop"/> starts the server's stop (null: tell the Arbiter);
    /// <paramref name="clustered"/>: <c>cluster.enabled</c> is on, so cluster commands wait for <see cref="JoinedFleet"/>.
    /// </summary>
    public static Props Props(IActorRef arbiter, Action<Shutdown>? requestStop = null, bool clustered = false) =>
        Akka.Actor.Props.Create(() => new ControlActor(arbiter, requestStop, clustered));

    /// <summary>Creates the actor; use <see cref="Props"/>.</summary>
    public ControlActor(IActorRef arbiter, Action<Shutdown>? requestStop, bool clustered)
    {
        _arbiter = arbiter;
        _clustered = clustered;
        _requestStop = requestStop ?? (stop => arbiter.Tell(stop));
        Receive<Run>(OnRun);
        Receive<JoinedFleet>(joined => _fleet = joined.Fleet);
    }

    private void OnRun(Run run)
    {
        var command = run.Command;
        if (command.IsCluster)
        {
            // The cluster's actor system starts after the Arbiter's, and its workers may serve (and ctl may ask) first.
            if (_fleet is null && _clustered) Sender.Tell(Error("this server is still starting its cluster node; try again in a moment"));
            else if (_fleet is null) Sender.Tell(Error("this server is not in a cluster (cluster.enabled is off)"));
            else _fleet(command).PipeTo(Sender, failure: e => Error(e.GetBaseException().Message));
            return;
        }
        switch (command.Verb)
        {
            case ControlVerb.Help:
                Sender.Tell(Ok(new JsonObject { ["commands"] = ControlCommand.Usage }));
                return;
            case ControlVerb.Reopen:
                _arbiter.Tell(new ReopenLogs());
                Sender.Tell(Ok(new JsonObject { ["reopened"] = true }));
                return;
            case ControlVerb.Shutdown:
                Sender.Tell(Ok(new JsonObject { ["shutdown"] = command.Argument }));
                _requestStop(new Shutdown(command.Argument == "graceful", "ctl shutdown"));
                return;
            default:
                Context.ActorOf(CommandRun.Props(_arbiter, command, Sender));
                return;
        }
    }

    /// <summary>A successful answer: <paramref name="result"/> with "ok".</summary>
    internal static JsonObject Ok(JsonObject result)
    {
        result["ok"] = true;
        return result;
    }

    /// <summary>An error answer.</summary>
    public static JsonObject Error(string message) => new() { ["ok"] = false, ["error"] = message };
}
