using System.Text.Json.Nodes;
using Akka.Actor;
using AkkaGunicorn.Arbiter.Supervision;

namespace AkkaGunicorn.Arbiter.Control;

/// <summary>
/// One control command that needs the Arbiter: it sends the request, takes the Arbiter's answer as a message, and then,
/// where the effect takes time, watches the event stream until the effect has happened or failed. It answers the
/// client once and stops. Events that arrive before the Arbiter's answer are kept until it comes.
/// </summary>
internal sealed class CommandRun : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private readonly IActorRef _arbiter, _replyTo;
    private readonly ControlCommand _command;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    private sealed record GaveUp;

    /// <summary>Props for running <paramref name="command"/> and answering <paramref name="replyTo"/>.</summary>
    public static Props Props(IActorRef arbiter, ControlCommand command, IActorRef replyTo) =>
        Akka.Actor.Props.Create(() => new CommandRun(arbiter, command, replyTo));

    /// <summary>Creates the actor; use <see cref="Props"/>.</summary>
    public CommandRun(IActorRef arbiter, ControlCommand command, IActorRef replyTo)
    {
        _arbiter = arbiter;
        _command = command;
        _replyTo = replyTo;
        Receive<ServerSnapshot>(snapshot => Answer(ControlActor.Ok(ControlJson.Show(_command.Argument, snapshot))));
        Receive<ScaleAnswer>(OnScaled);
        Receive<KillAnswer>(OnKilled);
        Receive<ReloadAnswer>(OnReloading);
        Receive<GaveUp>(_ => Answer(ControlActor.Error($"no answer within {Patience.TotalSeconds} s")));
        ReceiveAny(_ => Stash.Stash());
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        // Subscribed before asking, so that no effect of the command can happen unseen.
        foreach (var type in new[] { typeof(WorkerBooted), typeof(WorkerExited), typeof(ReloadFinished) })
            Context.System.EventStream.Subscribe(Self, type);
        Timers.StartSingleTimer("patience", new GaveUp(), Patience);
        _arbiter.Tell(_command.Verb switch
        {
            ControlVerb.Show => new GetSnapshot(),
            ControlVerb.WorkerAdd => new ScaleWorkers(int.Parse(_command.Argument)),
            ControlVerb.WorkerRemove => new ScaleWorkers(-int.Parse(_command.Argument)),
            ControlVerb.WorkerKill => new KillWorker(int.Parse(_command.Argument)),
            ControlVerb.Reload => new Reload("ctl reload"),
            ControlVerb.Drain => new DrainServer("ctl drain"),
            ControlVerb.Undrain => new UndrainServer(),
            _ => throw new ArgumentException($"{_command.Verb} does not go to the Arbiter"),
        });
    }

    /// <inheritdoc />
    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void OnScaled(ScaleAnswer answer)
    {
        if (answer.Refused is { } why) { Answer(ControlActor.Error(why)); return; }
        if (_command.Verb is ControlVerb.WorkerAdd or ControlVerb.Undrain)
        {
            // Added workers count once they serve.
            var waiting = answer.Started.ToHashSet();
            var pids = new JsonArray();
            Await(e =>
            {
                if (e is WorkerBooted b && waiting.Remove(b.Slot)) pids.Add(b.Pid);
                return waiting.Count == 0;
            }, () => ControlActor.Ok(new JsonObject { [_command.Verb == ControlVerb.Undrain ? "undrained" : "added"] = pids }));
            return;
        }
        var exiting = answer.Retired.Select(r => r.Slot).ToHashSet();
        var removed = new JsonArray();
        Await(e =>
        {
            if (e is WorkerExited x && exiting.Remove(x.Slot)) removed.Add(x.Pid);
            return exiting.Count == 0;
        }, () => ControlActor.Ok(new JsonObject { [_command.Verb == ControlVerb.Drain ? "drained" : "removed"] = removed }));
    }

    private void OnKilled(KillAnswer answer)
    {
        int pid = int.Parse(_command.Argument);
        if (answer.Slot is not { } slot) { Answer(ControlActor.Error($"no worker with pid {pid}")); return; }
        // A killed worker counts once it has exited and its slot's next process serves.
        bool exited = false;
        int replacement = 0;
        Await(e =>
        {
            if (e is WorkerExited x && x.Pid == pid) exited = true;
            if (e is WorkerBooted b && b.Slot == slot && b.Pid != pid) replacement = b.Pid;
            return exited && replacement != 0;
        }, () => ControlActor.Ok(new JsonObject { ["killed"] = pid, ["replacement"] = replacement }));
    }

    private void OnReloading(ReloadAnswer answer)
    {
        if (answer.Generation is not { } generation) { Answer(ControlActor.Error(answer.Refused ?? "refused")); return; }
        ReloadFinished? finished = null;
        Await(e =>
        {
            if (e is ReloadFinished f && f.Generation == generation) finished = f;
            return finished is not null;
        }, () => finished!.Succeeded
            ? ControlActor.Ok(new JsonObject { ["reloaded"] = generation, ["message"] = finished.Message })
            : ControlActor.Error($"reload to generation {generation} {finished.Message}"));
    }

    /// <summary>Watches the events (those kept so far first) until <paramref name="done"/> says the effect is complete.</summary>
    private void Await(Func<object, bool> done, Func<JsonObject> answer)
    {
        // Nothing to wait for (a drain with no workers): complete already.
        if (done(new object())) { Answer(answer()); return; }
        Become(() =>
        {
            Receive<GaveUp>(_ => Answer(ControlActor.Error($"no answer within {Patience.TotalSeconds} s")));
            ReceiveAny(e =>
            {
                if (done(e)) Answer(answer());
            });
        });
        Stash.UnstashAll();
    }

    private void Answer(JsonObject answer)
    {
        _replyTo.Tell(answer);
        Context.Stop(Self);
    }
}
