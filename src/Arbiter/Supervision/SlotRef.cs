using Akka.Actor;

namespace AkkaGunicorn.Arbiter.Supervision;

/// <summary>
/// One worker slot: its number, its generation, its entry on the load board (unique among live slots), and the
/// back-off supervisor that keeps its process.
/// </summary>
public sealed record SlotRef(int Number, int Generation, int Entry)
{
    /// <summary>The slot's back-off supervisor.</summary>
    public IActorRef Supervisor { get; init; } = ActorRefs.Nobody;
}
