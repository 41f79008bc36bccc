using System.Diagnostics;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using AkkaGunicorn.Arbiter.Control;

namespace AkkaGunicorn.Arbiter.Fleet;

/// <summary>
/// One rolling reload: group after group, each node runs its own zero-downtime reload, and the next group starts only
/// once every node of this one answered that its new generation serves. The first node that fails (its safe reload
/// kept the old workers), times out or becomes unreachable stops the rollout; the answer names it and why.
/// </summary>
internal sealed class Rollout : ReceiveActor, IWithTimers
{
    private readonly IActorRef _replyTo;
    private readonly TimeSpan _stepTimeout;
    private readonly FleetAccess _fleet;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private readonly JsonArray _reloaded = new();
    private RolloutRecord _record;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record StepTimedOut(string Node);

    /// <summary>Props for running <paramref name="record"/> from its <see cref="RolloutRecord.Done"/> group on.</summary>
    public static Props Props(RolloutRecord record, IActorRef replyTo, TimeSpan stepTimeout, FleetAccess fleet) =>
        Akka.Actor.Props.Create(() => new Rollout(record, replyTo, stepTimeout, fleet));

    /// <summary>Creates the rollout; use <see cref="Props"/>.</summary>
    public Rollout(RolloutRecord record, IActorRef replyTo, TimeSpan stepTimeout, FleetAccess fleet)
    {
        _fleet = fleet;
        _record = record;
        _replyTo = replyTo;
        _stepTimeout = stepTimeout;
    }

    /// <inheritdoc />
    protected override void PreStart() => NextGroup();

    private void NextGroup()
    {
        if (_record.Done == _record.Batches.Count)
        {
            Finish("succeeded", ControlActor.Ok(new JsonObject
            {
                ["rollout"] = _record.Id, ["seconds"] = Math.Round(_elapsed.Elapsed.TotalSeconds, 1), ["nodes"] = _reloaded,
            }));
            return;
        }
        var group = _record.Batches[_record.Done];
        // A node that cannot hear the whole group (or is on the minority side of a partition) does not go on.
        var members = _fleet.Members();
        if (members.FirstOrDefault(m => !m.Reachable) is { } unreachable) { Fail(unreachable.Node, "unreachable"); return; }
        if (group.FirstOrDefault(node => members.All(m => m.Node != node || m.Status != "up")) is { } gone) { Fail(gone, "no longer up"); return; }
        _fleet.Save(_record);
        _log.Info("Fleet: rolling reload {Id}: group {Group} of {Groups}: {Nodes}", _record.Id, _record.Done + 1, _record.Batches.Count, string.Join(", ", group));
        var waiting = group.ToHashSet();
        foreach (var node in group)
        {
            _fleet.Agent(node).Tell(new RunStep($"{_record.Id}/{node}", NodeAction.Reload), Self);
            Timers.StartSingleTimer(node, new StepTimedOut(node), _stepTimeout);
        }
        Become(() =>
        {
            Receive<StepRan>(ran =>
            {
                var node = ran.Node;
                if (!waiting.Remove(node)) return;
                Timers.Cancel(node);
                if (!ran.Ok) { Fail(node, ran.Message); return; }
                _reloaded.Add(new JsonObject { ["address"] = node, ["generation"] = ran.Generation, ["message"] = ran.Message });
                if (waiting.Count > 0) return;
                _record = _record with { Done = _record.Done + 1 };
                NextGroup();
            });
            Receive<StepTimedOut>(t => Fail(t.Node, $"no answer within {_stepTimeout.TotalSeconds:0} s"));
        });
    }

    private void Fail(string node, string why)
    {
        var left = _record.Batches.Skip(_record.Done).SelectMany(g => g).Where(n => _reloaded.All(r => r!["address"]!.ToString() != n));
        var message = $"rolling reload {_record.Id} stopped at node {node}: {why}; reloaded: " +
                      $"{(_reloaded.Count == 0 ? "none" : string.Join(", ", _reloaded.Select(r => r!["address"])))}; not reloaded: {string.Join(", ", left)}";
        _log.Warning("Fleet: {Message}", message);
        Finish("failed: " + why, ControlActor.Error(message));
    }

    private void Finish(string state, JsonObject answer)
    {
        _fleet.Save(_record with { State = state });
        if (state == "succeeded")
            _log.Info("Fleet: rolling reload {Id} done: {Nodes} nodes in {Seconds} s", _record.Id, _reloaded.Count, answer["seconds"]);
        _replyTo.Tell(new FleetAnswered(answer.ToJsonString()));
        Context.Stop(Self);
    }
}
