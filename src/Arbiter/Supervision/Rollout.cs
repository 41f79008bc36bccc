namespace AkkaGunicorn.Arbiter.Supervision;

/// <summary>
/// A reload in progress: a new generation of workers taking over from the old one, either all at once
/// (the old generation drains once every new worker serves) or one worker at a time (each new worker
/// serves before an old one drains, so that memory never doubles). It decides what to start and what to
/// retire; the Arbiter actor does it.
/// </summary>
/// <param name="plan">The new generation.</param>
/// <param name="old">The old generation's slots, oldest first.</param>
/// <param name="start">Starts a slot for a plan and returns its number.</param>
/// <param name="retire">Retires an old slot gracefully.</param>
internal sealed class Rollout(WorkerPlan plan, IEnumerable<SlotRef> old, Func<WorkerPlan, int> start, Action<SlotRef> retire)
{
    private readonly Queue<SlotRef> _old = new(old);
    private readonly List<int> _new = [];
    private readonly HashSet<int> _booting = [];

    /// <summary>The new generation's plan.</summary>
    public WorkerPlan Plan => plan;

    /// <summary>Slots started for the new generation.</summary>
    public IReadOnlyList<int> NewSlots => _new;

    /// <summary>True once every new worker serves and every old one has been told to retire.</summary>
    public bool IsComplete => _old.Count == 0 && _booting.Count == 0 && _new.Count >= plan.Workers;

    /// <summary>Starts the first new workers.</summary>
    public void Begin()
    {
        int first = plan.Strategy == ReloadStrategy.Generation ? plan.Workers : 1;
        for (int i = 0; i < first; i++) StartOne();
    }

    /// <summary>Whether <paramref name="slot"/> belongs to the new generation and has not served yet.</summary>
    public bool IsBooting(int slot) => _booting.Contains(slot);

    /// <summary>A new worker serves: move on.</summary>
    public void OnBooted(int slot)
    {
        if (!_booting.Remove(slot)) return;
        if (plan.Strategy == ReloadStrategy.Rolling)
        {
            if (_old.Count > 0) retire(_old.Dequeue());
            if (_new.Count < plan.Workers) StartOne();
            else RetireRest();
        }
        else if (_booting.Count == 0)
        {
            RetireRest();
        }
    }

    private void RetireRest()
    {
        while (_old.Count > 0) retire(_old.Dequeue());
    }

    private void StartOne()
    {
        int slot = start(plan);
        _new.Add(slot);
        _booting.Add(slot);
    }
}
