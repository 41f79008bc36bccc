using Akka.Actor;

namespace AkkaGunicorn.Arbiter.Supervision;

/// <summary>One worker slot: its number, its generation, and the back-off supervisor that keeps its process.</summary>
internal sealed record SlotRef(int Number, int Generation, IActorRef Supervisor);
