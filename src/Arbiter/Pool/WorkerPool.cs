using AkkaGunicorn.Arbiter.Supervision;

namespace AkkaGunicorn.Arbiter.Pool;

/// <summary>
/// The Arbiter's model of its workers, without actors or processes: the slots and their phases, the generation that
/// serves, the reload under way, how many workers are wanted, which slots are being replaced. Events and commands
/// change the model; one <see cref="Reconcile"/> step (Gunicorn's <c>manage_workers</c>) then decides what to start
/// and what to retire so that the pool becomes what is wanted.
/// </summary>
/// <remarks>
/// A slot that asked to be recycled and the replacement started for it count as one worker until the replacement
/// serves and the old slot retires. A slot whose process crashed stays in its phase: its supervisor restarts it.
/// </remarks>
public sealed class WorkerPool
{
    private readonly SortedDictionary<int, PoolSlot> _slots = new();
    private int _lastNumber, _lastGeneration, _reconciledDesired;
    private bool _ready;
    private string _trimReason = "TTOU";

    /// <summary>A pool that will start <paramref name="plan"/>'s workers on its first reconcile step.</summary>
    public WorkerPool(WorkerPlan plan)
    {
        Plan = plan;
        Desired = plan.Workers;
        _reconciledDesired = plan.Workers;
        _lastGeneration = plan.Generation;
    }

    /// <summary>The generation that serves.</summary>
    public WorkerPlan Plan { get; private set; }

    /// <summary>The reload under way, or null.</summary>
    public PoolRollout? Rollout { get; private set; }

    /// <summary>How many workers of <see cref="Plan"/> are wanted.</summary>
    public int Desired { get; private set; }

    /// <summary>The generation the next reload gets: generations only count up, abandoned ones included.</summary>
    public int NextGeneration => _lastGeneration + 1;

    /// <summary>Every slot that has not ended, in the order they were started.</summary>
    public IEnumerable<PoolSlot> Slots => _slots.Values;

    /// <summary>The slot with this number, if it has not ended.</summary>
    public PoolSlot? this[int number] => _slots.GetValueOrDefault(number);

    /// <summary>The slot whose current process has this PID, if any.</summary>
    public PoolSlot? SlotOfPid(int pid) => _slots.Values.FirstOrDefault(s => s.Pid == pid);

    /// <summary>The plan a slot of <paramref name="generation"/> runs.</summary>
    public WorkerPlan PlanOf(int generation) => Rollout?.Plan is { } next && next.Generation == generation ? next : Plan;

    /// <summary>Whether the slot belongs to the reload under way and has not served yet: its failure ends the reload.</summary>
    public bool IsBootingNew(int number) =>
        Rollout is { } rollout && this[number] is { Phase: SlotPhase.Starting } slot && slot.Generation == rollout.Plan.Generation;

    /// <summary>A process was spawned in the slot.</summary>
    public void Spawned(int number, int pid, DateTime at) => Update(number, s => s with { Pid = pid, Spawned = at, Booted = null, CrashedPid = null });

    /// <summary>The slot's worker registered: it serves.</summary>
    public void Served(int number, DateTime at) =>
        Update(number, s => s with { Phase = s.IsLive ? SlotPhase.Serving : s.Phase, Booted = at });

    /// <summary>The slot's process exited (<paramref name="crashed"/>: unexpectedly); its supervisor may start another.</summary>
    public void Exited(int number, int pid, bool crashed) =>
        Update(number, s => s.Pid == pid ? s with { Pid = null, Booted = null, CrashedPid = crashed ? pid : null } : s);

    /// <summary>The slot has ended (its supervisor stopped).</summary>
    public void Ended(int number) => _slots.Remove(number);

    /// <summary>The slot's worker should be replaced (quota served, memory passed); its replacement starts first.</summary>
    public void RecycleWanted(int number, string reason) =>
        Update(number, s => s.IsLive && s.RecycleReason is null ? s with { RecycleReason = reason } : s);

    /// <summary>
    /// Changes the wanted number of workers by <paramref name="delta"/>; returns why not, or null. At least one
    /// worker keeps running, at most <see cref="WorkerPlan.MaxWorkers"/>, and not during a reload.
    /// </summary>
    public string? ScaleBy(int delta)
    {
        if (Rollout is not null) return "a reload is in progress";
        if (delta > 0 && Desired + delta > Plan.MaxWorkers) return $"{Desired + delta} workers would exceed max_workers ({Plan.MaxWorkers})";
        if (delta < 0 && Desired <= 1) return "at least one worker must run";
        Desired = Math.Max(1, Desired + delta);
        _trimReason = "TTOU";
        return null;
    }

    /// <summary>Retires every worker and keeps none (WINCH); abandons a reload under way. Returns the slots to stop now.</summary>
    public IReadOnlyList<PoolSlot> RetireAll()
    {
        var abandoned = Abandon();
        Desired = 0;
        _trimReason = "WINCH";
        return abandoned;
    }

    /// <summary>Starts a reload to <paramref name="next"/>, whose generation must be <see cref="NextGeneration"/>.</summary>
    public void BeginReload(WorkerPlan next)
    {
        if (Rollout is not null) throw new InvalidOperationException("a reload is in progress");
        if (next.Generation != NextGeneration) throw new ArgumentException($"generation {next.Generation} is not the next ({NextGeneration})");
        _lastGeneration = next.Generation;
        Rollout = new PoolRollout(next, Units(s => s.Generation != next.Generation).Count);
    }

    /// <summary>
    /// Gives up the reload under way: its slots are stopped at once (returned, to stop) and the serving generation is
    /// brought back to strength by the next reconcile step.
    /// </summary>
    public IReadOnlyList<PoolSlot> Abandon()
    {
        if (Rollout is not { } rollout) return [];
        Rollout = null;
        var abandoned = _slots.Values.Where(s => s.IsLive && s.Generation == rollout.Plan.Generation).ToList();
        foreach (var slot in abandoned) _slots[slot.Number] = slot with { Phase = SlotPhase.Abandoned };
        return abandoned;
    }

    /// <summary>
    /// Decides what to start and what to retire so that the pool becomes what is wanted, and records it: replacements
    /// that serve retire the slot they replace; the serving generation (or the reload's) is filled up or trimmed to
    /// its size, oldest first; a reload moves on by its strategy and completes once the new generation serves alone;
    /// slots that asked to be recycled get a replacement.
    /// </summary>
    public PoolDecision Reconcile()
    {
        var start = new List<SlotStart>();
        var retire = new List<SlotRetirement>();
        foreach (var replacement in _slots.Values.Where(s => s is { Phase: SlotPhase.Serving, Replaces: not null }).ToList())
        {
            if (this[replacement.Replaces!.Value] is { IsLive: true } old) RetireSlot(old, old.RecycleReason ?? "recycled", retire);
            _slots[replacement.Number] = replacement with { Replaces = null };
        }
        WorkerPlan? completed = Rollout is { } rollout ? Roll(rollout, start, retire) : null;
        if (Rollout is null) Resize(start, retire);
        foreach (var slot in _slots.Values.Where(s => s.IsLive && s.RecycleReason is not null).ToList())
            if (!_slots.Values.Any(r => r.IsLive && r.Replaces == slot.Number)) start.Add(StartSlot(PlanOf(slot.Generation), slot.Number));

        bool becameReady = !_ready && Desired > 0 && _slots.Values.Count(s => s.Phase == SlotPhase.Serving) >= Desired;
        _ready |= becameReady;
        int? previous = _reconciledDesired != Desired ? _reconciledDesired : null;
        _reconciledDesired = Desired;
        return new PoolDecision(start, retire, completed, becameReady, previous);
    }

    /// <summary>Fills the serving generation up to <see cref="Desired"/> or trims it, oldest first.</summary>
    private void Resize(List<SlotStart> start, List<SlotRetirement> retire)
    {
        var staying = Units(_ => true);
        for (int i = staying.Count; i < Desired; i++) start.Add(StartSlot(Plan, null));
        foreach (var slot in staying.Take(Math.Max(0, staying.Count - Desired))) RetireUnit(slot, _trimReason, retire);
    }

    /// <summary>Moves a reload on; returns its plan when it has completed.</summary>
    private WorkerPlan? Roll(PoolRollout rollout, List<SlotStart> start, List<SlotRetirement> retire)
    {
        var next = rollout.Plan;
        var fresh = Units(s => s.Generation == next.Generation);
        var old = Units(s => s.Generation != next.Generation);
        int booting = fresh.Count(s => s.Phase == SlotPhase.Starting);
        if (next.Strategy == ReloadStrategy.Generation)
        {
            for (int i = fresh.Count; i < next.Workers; i++) start.Add(StartSlot(next, null));
        }
        else
        {
            // One old worker drains for each new one that serves, so that the pool never holds much more than before.
            int serving = fresh.Count - booting;
            while (old.Count > 0 && old.Count + serving > rollout.OldCount)
            {
                RetireUnit(old[0], "reload", retire);
                old.RemoveAt(0);
            }
            if (booting == 0 && fresh.Count < next.Workers) start.Add(StartSlot(next, null));
        }
        if (booting > 0 || fresh.Count < next.Workers) return null;
        foreach (var slot in old) RetireUnit(slot, "reload", retire);
        Rollout = null;
        Plan = next;
        Desired = next.Workers;
        return next;
    }

    /// <summary>
    /// Live slots that stay, oldest first: a slot being replaced is represented by its replacement.
    /// </summary>
    private List<PoolSlot> Units(Func<PoolSlot, bool> which)
    {
        var replaced = _slots.Values.Where(r => r.IsLive && r.Replaces is not null).Select(r => r.Replaces!.Value).ToHashSet();
        return _slots.Values.Where(s => s.IsLive && which(s) && !replaced.Contains(s.Number)).ToList();
    }

    /// <summary>Retires a unit: the slot, and the slot it was replacing if that one still runs.</summary>
    private void RetireUnit(PoolSlot slot, string reason, List<SlotRetirement> retire)
    {
        if (slot.Replaces is { } old && this[old] is { IsLive: true } replaced) RetireSlot(replaced, reason, retire);
        RetireSlot(slot, reason, retire);
    }

    private void RetireSlot(PoolSlot slot, string reason, List<SlotRetirement> retire)
    {
        var retiring = slot with { Phase = SlotPhase.Retiring, Replaces = null };
        _slots[slot.Number] = retiring;
        retire.Add(new SlotRetirement(retiring, reason));
    }

    private SlotStart StartSlot(WorkerPlan plan, int? replaces)
    {
        int number = ++_lastNumber;
        // The load board has one entry per live slot; a new slot takes the lowest free one.
        var taken = _slots.Values.Select(s => s.Id.Entry).ToHashSet();
        int entry = 0;
        while (taken.Contains(entry)) entry++;
        var id = new SlotRef(number, plan.Generation, entry);
        _slots[number] = new PoolSlot(id, SlotPhase.Starting) { Replaces = replaces };
        return new SlotStart(id, plan);
    }

    private void Update(int number, Func<PoolSlot, PoolSlot> change)
    {
        if (_slots.TryGetValue(number, out var slot)) _slots[number] = change(slot);
    }
}
