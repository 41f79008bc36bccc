namespace AkkaGunicorn.Arbiter.Pool;

/// <summary>Where a slot is in its life, in order.</summary>
public enum SlotPhase
{
    /// <summary>Its process is starting or restarting; it does not serve yet.</summary>
    Starting,

    /// <summary>Its worker registered and accepts connections.</summary>
    Serving,

    /// <summary>Told to drain and stop; it no longer counts.</summary>
    Retiring,

    /// <summary>Part of a reload that was abandoned: stopped at once, and its failures are not news.</summary>
    Abandoned,
}

/// <summary>A slot as the pool sees it.</summary>
/// <param name="Id">Its identity.</param>
/// <param name="Phase">Where it is in its life.</param>
public sealed record PoolSlot(SlotRef Id, SlotPhase Phase)
{
    /// <summary>The slot's number.</summary>
    public int Number => Id.Number;

    /// <summary>The generation it was started for.</summary>
    public int Generation => Id.Generation;

    /// <summary>Its current process, once one was spawned; null between a crash and the restart.</summary>
    public int? Pid { get; init; }

    /// <summary>When its current process was spawned.</summary>
    public DateTime Spawned { get; init; }

    /// <summary>When its current process began to serve.</summary>
    public DateTime? Booted { get; init; }

    /// <summary>The PID of its last process if that one crashed, until the next is spawned (for the log).</summary>
    public int? CrashedPid { get; init; }

    /// <summary>The slot this one replaces once it serves (recycling).</summary>
    public int? Replaces { get; init; }

    /// <summary>Why this slot should be replaced (request quota, memory), once it asked; null otherwise.</summary>
    public string? RecycleReason { get; init; }

    /// <summary>Whether it counts towards the pool: starting or serving.</summary>
    public bool IsLive => Phase is SlotPhase.Starting or SlotPhase.Serving;
}
