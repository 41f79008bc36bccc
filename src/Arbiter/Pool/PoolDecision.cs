using AkkaGunicorn.Arbiter.Supervision;

namespace AkkaGunicorn.Arbiter.Pool;

/// <summary>A slot to start, with the plan of its generation.</summary>
public sealed record SlotStart(SlotRef Slot, WorkerPlan Plan);

/// <summary>A live slot to retire gracefully, and why.</summary>
public sealed record SlotRetirement(PoolSlot Slot, string Reason);

/// <summary>
/// What one <see cref="WorkerPool.Reconcile"/> step decided; the Arbiter actor carries it out. The pool has already
/// recorded the new slots as starting and the retired ones as retiring.
/// </summary>
/// <param name="Start">Slots to start.</param>
/// <param name="Retire">Slots to retire.</param>
/// <param name="Completed">The plan of a reload that has just taken over, if one did.</param>
/// <param name="BecameReady">True the first time as many workers serve as are wanted.</param>
/// <param name="PreviousDesired">The wanted number of workers before this step, when it changed since the last one.</param>
public sealed record PoolDecision(IReadOnlyList<SlotStart> Start, IReadOnlyList<SlotRetirement> Retire, WorkerPlan? Completed,
    bool BecameReady, int? PreviousDesired);
