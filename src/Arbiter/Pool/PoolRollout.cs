using AkkaGunicorn.Arbiter.Supervision;

namespace AkkaGunicorn.Arbiter.Pool;

/// <summary>A reload under way: the new generation's plan, and how many workers the old one had when it began.</summary>
public sealed record PoolRollout(WorkerPlan Plan, int OldCount);
