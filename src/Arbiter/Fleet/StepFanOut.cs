using System.Text.Json.Nodes;
using Akka.Actor;

namespace AkkaGunicorn.Arbiter.Fleet;

/// <summary>One step run on several nodes at once (scale, shutdown): answers once every node did or the timeout passed.</summary>
internal sealed class StepFanOut : ReceiveActor, IWithTimers
{
    private readonly IActorRef _replyTo;
    private readonly HashSet<string> _waiting;
    private readonly JsonArray _nodes = new();
    private bool _allOk = true;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record TimedOut;

    /// <summary>Props for running <paramref name="step"/> on <paramref name="nodes"/>.</summary>
    public static Props Props(IReadOnlyList<string> nodes, RunStep step, IActorRef replyTo, TimeSpan timeout, FleetAccess fleet) =>
        Akka.Actor.Props.Create(() => new StepFanOut(nodes, step, replyTo, timeout, fleet));

    /// <summary>Creates the fan-out; use <see cref="Props"/>.</summary>
    public StepFanOut(IReadOnlyList<string> nodes, RunStep step, IActorRef replyTo, TimeSpan timeout, FleetAccess fleet)
    {
        _replyTo = replyTo;
        _waiting = nodes.ToHashSet();
        foreach (var node in nodes) fleet.Agent(node).Tell(step with { StepId = $"{step.StepId}/{node}" }, Self);
        Timers.StartSingleTimer("timeout", new TimedOut(), timeout);
        Receive<StepRan>(ran =>
        {
            if (!_waiting.Remove(ran.Node)) return;
            _allOk &= ran.Ok;
            _nodes.Add(new JsonObject { ["address"] = ran.Node, ["ok"] = ran.Ok, ["message"] = ran.Message });
            if (_waiting.Count == 0) Answer();
        });
        Receive<TimedOut>(_ =>
        {
            foreach (var node in _waiting) _nodes.Add(new JsonObject { ["address"] = node, ["ok"] = false, ["message"] = $"no answer within {timeout.TotalSeconds:0} s" });
            _allOk = false;
            Answer();
        });
    }

    private void Answer()
    {
        var answer = new JsonObject { ["ok"] = _allOk, ["nodes"] = _nodes };
        if (!_allOk) answer["error"] = "not every node did it: " + string.Join("; ", _nodes.Where(n => n!["ok"]!.GetValue<bool>() == false)
            .Select(n => $"{n!["address"]}: {n["message"]}"));
        _replyTo.Tell(new FleetAnswered(answer.ToJsonString()));
        Context.Stop(Self);
    }
}
