namespace AkkaGunicorn.Arbiter.Pool;

/// <summary>
/// One worker slot's identity: its number (never reused), its generation, and its entry on the load board (unique
/// among live slots). A slot keeps its identity across the processes its supervisor starts in it.
/// </summary>
public sealed record SlotRef(int Number, int Generation, int Entry);
