using System.Text.Json.Nodes;
using Akka.Actor;
using AkkaGunicorn.Arbiter.Supervision;

namespace AkkaGunicorn.Arbiter.Control;

/// <summary>
/// Carries out control commands against the Arbiter actor and answers only once the effect has happened or has
/// failed: a worker added answers when it serves, one removed or killed when it has exited (a killed one, when its
/// replacement serves), a reload when the new generation serves or was abandoned. Each answer is a JSON object
/// with "ok" and either the result or "error".
/// </summary>
public sealed class ControlActor : ReceiveActor, IWithTimers
{
    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private readonly IActorRef _arbiter;
    private readonly List<Waiter> _waiting = [];

    /// <summary>A command to run; the answer goes to the sender.</summary>
    public sealed record Run(ControlCommand Command);

    private sealed record GaveUp(Waiter Waiter);

    /// <summary>Something the actor waits to see before it answers.</summary>
    private sealed class Waiter(IActorRef replyTo, Func<object, bool> progress, Func<JsonObject> answer)
    {
        public IActorRef ReplyTo { get; } = replyTo;
        public Func<object, bool> Progress { get; } = progress;
        public Func<JsonObject> Answer { get; } = answer;
    }

    /// <summary>Props for the control actor.</summary>
    public static Props Props(IActorRef arbiter) => Akka.Actor.Props.Create(() => new ControlActor(arbiter));

    /// <summary>Creates the actor; use <see cref="Props"/>.</summary>
    public ControlActor(IActorRef arbiter)
    {
        _arbiter = arbiter;
        ReceiveAsync<Run>(OnRun);
        Receive<Supervision.WorkerBooted>(Observe);
        Receive<Supervision.WorkerExited>(Observe);
        Receive<ReloadFinished>(Observe);
        Receive<GaveUp>(m =>
        {
            if (_waiting.Remove(m.Waiter)) m.Waiter.ReplyTo.Tell(Error($"no answer within {Patience.TotalSeconds} s"));
        });
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        foreach (var type in new[] { typeof(Supervision.WorkerBooted), typeof(Supervision.WorkerExited), typeof(ReloadFinished) })
            Context.System.EventStream.Subscribe(Self, type);
    }

    private void Observe(object e)
    {
        foreach (var waiter in _waiting.ToList())
        {
            if (!waiter.Progress(e)) continue;
            _waiting.Remove(waiter);
            Timers.Cancel(waiter);
            waiter.ReplyTo.Tell(waiter.Answer());
        }
    }

    private void Wait(Func<object, bool> progress, Func<JsonObject> answer)
    {
        var waiter = new Waiter(Sender, progress, answer);
        _waiting.Add(waiter);
        Timers.StartSingleTimer(waiter, new GaveUp(waiter), Patience);
    }

    private async Task OnRun(Run run)
    {
        var command = run.Command;
        switch (command.Verb)
        {
            case ControlVerb.Help:
                Sender.Tell(Ok(new JsonObject { ["commands"] = ControlCommand.Usage }));
                return;
            case ControlVerb.Show:
                var snapshot = await _arbiter.Ask<ServerSnapshot>(new GetSnapshot(), TimeSpan.FromSeconds(10));
                Sender.Tell(Ok(ControlJson.Show(command.Argument, snapshot)));
                return;
            case ControlVerb.Reopen:
                _arbiter.Tell(new ReopenLogs());
                Sender.Tell(Ok(new JsonObject { ["reopened"] = true }));
                return;
            case ControlVerb.Shutdown:
                Sender.Tell(Ok(new JsonObject { ["shutdown"] = command.Argument }));
                _arbiter.Tell(new Shutdown(command.Argument == "graceful", "ctl shutdown"));
                return;
            case ControlVerb.WorkerAdd or ControlVerb.WorkerRemove:
                await Scale(command);
                return;
            case ControlVerb.WorkerKill:
                await Kill(int.Parse(command.Argument));
                return;
            case ControlVerb.Reload:
                await Reload();
                return;
        }
    }

    private async Task Scale(ControlCommand command)
    {
        int count = int.Parse(command.Argument);
        bool add = command.Verb == ControlVerb.WorkerAdd;
        var answer = await _arbiter.Ask<ScaleAnswer>(new ScaleWorkers(add ? count : -count), TimeSpan.FromSeconds(10));
        if (answer.Refused is { } why) { Sender.Tell(Error(why)); return; }
        if (add)
        {
            var waiting = answer.Started.ToHashSet();
            var pids = new JsonArray();
            Wait(e =>
            {
                if (e is Supervision.WorkerBooted b && waiting.Remove(b.Slot)) pids.Add(b.Pid);
                return waiting.Count == 0;
            }, () => Ok(new JsonObject { ["added"] = pids }));
            return;
        }
        var exiting = answer.Retired.Select(r => r.Slot).ToHashSet();
        var removed = new JsonArray();
        Wait(e =>
        {
            if (e is Supervision.WorkerExited x && exiting.Remove(x.Slot)) removed.Add(x.Pid);
            return exiting.Count == 0;
        }, () => Ok(new JsonObject { ["removed"] = removed }));
    }

    private async Task Kill(int pid)
    {
        var answer = await _arbiter.Ask<KillAnswer>(new KillWorker(pid), TimeSpan.FromSeconds(10));
        if (answer.Slot is not { } slot) { Sender.Tell(Error($"no worker with pid {pid}")); return; }
        bool exited = false;
        int replacement = 0;
        Wait(e =>
        {
            if (e is Supervision.WorkerExited x && x.Pid == pid) exited = true;
            if (e is Supervision.WorkerBooted b && b.Slot == slot && b.Pid != pid) replacement = b.Pid;
            return exited && replacement != 0;
        }, () => Ok(new JsonObject { ["killed"] = pid, ["replacement"] = replacement }));
    }

    private async Task Reload()
    {
        var answer = await _arbiter.Ask<ReloadAnswer>(new Supervision.Reload("ctl reload"), TimeSpan.FromSeconds(30));
        if (answer.Generation is not { } generation) { Sender.Tell(Error(answer.Refused ?? "refused")); return; }
        ReloadFinished? finished = null;
        Wait(e =>
        {
            if (e is ReloadFinished f && f.Generation == generation) finished = f;
            return finished is not null;
        }, () => finished!.Succeeded
            ? Ok(new JsonObject { ["reloaded"] = generation, ["message"] = finished.Message })
            : Error($"reload to generation {generation} {finished.Message}"));
    }

    private static JsonObject Ok(JsonObject result)
    {
        result["ok"] = true;
        return result;
    }

    /// <summary>An error answer.</summary>
    public static JsonObject Error(string message) => new() { ["ok"] = false, ["error"] = message };
}
