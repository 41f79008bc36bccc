using Akka.Actor;
using AkkaGunicorn.Arbiter.Observability;
using AkkaGunicorn.Arbiter.Supervision;

namespace AkkaGunicorn.Arbiter.Control;

/// <summary>
/// Keeps the fleet's figures: every worker's heartbeat comes here rather than through the Arbiter, exits arrive
/// from the event stream, and the metrics endpoint (when there is one) is updated on each. Snapshots for
/// <c>show</c> are composed here from the Arbiter's slots and the figures.
/// </summary>
public sealed class StatsActor : ReceiveActor
{
    private readonly ServerStats _stats = new();
    private readonly FleetMetrics? _fleet;

    /// <summary>Props for the stats actor; <paramref name="fleet"/> is the metrics endpoint's figures, if any.</summary>
    public static Props Props(FleetMetrics? fleet) => Akka.Actor.Props.Create(() => new StatsActor(fleet));

    /// <summary>Creates the actor; use <see cref="Props"/>.</summary>
    public StatsActor(FleetMetrics? fleet)
    {
        _fleet = fleet;
        Receive<WorkerReported>(m =>
        {
            _stats.Record(m);
            Publish();
        });
        Receive<WorkerExited>(m =>
        {
            _stats.Exited(m.Pid, m.Served);
            Publish();
        });
        Receive<ComposeSnapshot>(m => Sender.Tell(Compose(m)));
    }

    /// <inheritdoc />
    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(WorkerExited));

    private ServerSnapshot Compose(ComposeSnapshot m)
    {
        var rows = m.Slots.Select(row => _stats.Live.TryGetValue(row.Pid, out var r)
            ? row with
            {
                Requests = r.Heartbeat.Served, InFlight = r.Heartbeat.InFlight, Connections = r.Heartbeat.Connections,
                ResidentBytes = r.Heartbeat.ResidentBytes, LastHeartbeat = r.At,
            }
            : row);
        return new ServerSnapshot(Environment.ProcessId, m.Workers, m.Generation, rows.OrderBy(r => r.Age).ToList(), _stats.Snapshot(),
            m.Listeners, m.Configuration);
    }

    private void Publish() => _fleet?.Update(_stats.Snapshot(), _stats.LatencyCounts());
}
