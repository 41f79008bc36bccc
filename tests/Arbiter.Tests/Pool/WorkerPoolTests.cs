using AkkaGunicorn.Arbiter.Pool;
using AkkaGunicorn.Arbiter.Supervision;
using Xunit;

namespace AkkaGunicorn.Arbiter.Tests.Pool;

/// <summary>The pool's decisions, step by step, without actors or processes.</summary>
public sealed class WorkerPoolTests
{
    private static readonly DateTime Now = new(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
    private int _nextPid = 100;

    private static WorkerPlan Plan(int workers, int generation = 1, ReloadStrategy strategy = ReloadStrategy.Generation) =>
        new(workers, TimeSpan.FromSeconds(5)) { Generation = generation, Strategy = strategy, MaxWorkers = 4 };

    /// <summary>Spawns and registers the slots a decision started, as their supervisors and workers would.</summary>
    private PoolDecision Serve(WorkerPool pool, IEnumerable<SlotStart> started)
    {
        PoolDecision last = Nothing;
        foreach (var start in started.ToList())
        {
            pool.Spawned(start.Slot.Number, ++_nextPid, Now);
            pool.Served(start.Slot.Number, Now);
            last = pool.Reconcile();
        }
        return last;
    }

    private static readonly PoolDecision Nothing = new([], [], null, false, null);

    private static int[] Numbers(IEnumerable<SlotStart> starts) => starts.Select(s => s.Slot.Number).ToArray();

    private static int[] Numbers(IEnumerable<SlotRetirement> retired) => retired.Select(r => r.Slot.Number).ToArray();

    private static int[] Live(WorkerPool pool) => pool.Slots.Where(s => s.IsLive).Select(s => s.Number).ToArray();

    [Fact]
    public void The_first_step_starts_the_plan_and_the_next_starts_nothing_more()
    {
        var pool = new WorkerPool(Plan(3));
        var first = pool.Reconcile();
        Assert.Equal([1, 2, 3], Numbers(first.Start));
        Assert.Equal([0, 1, 2], first.Start.Select(s => s.Slot.Entry));
        Assert.Empty(pool.Reconcile().Start);
    }

    [Fact]
    public void Ready_is_announced_once_when_every_wanted_worker_serves()
    {
        var pool = new WorkerPool(Plan(2));
        var started = pool.Reconcile().Start;
        pool.Spawned(1, 11, Now);
        pool.Served(1, Now);
        Assert.False(pool.Reconcile().BecameReady);
        pool.Spawned(2, 12, Now);
        pool.Served(2, Now);
        Assert.True(pool.Reconcile().BecameReady);
        pool.Exited(2, 12, crashed: true);
        pool.Spawned(2, 13, Now);
        pool.Served(2, Now);
        Assert.False(pool.Reconcile().BecameReady);
        Assert.Equal(2, started.Count);
    }

    [Fact]
    public void A_crash_keeps_the_slot_for_its_supervisor_to_restart()
    {
        var pool = new WorkerPool(Plan(2));
        Serve(pool, pool.Reconcile().Start);
        pool.Exited(1, pool[1]!.Pid!.Value, crashed: true);
        var decision = pool.Reconcile();
        Assert.Empty(decision.Start);
        Assert.Empty(decision.Retire);
        Assert.Equal(101, pool[1]!.CrashedPid);
        Assert.Null(pool.SlotOfPid(101));
    }

    [Fact]
    public void A_recycled_worker_is_retired_only_once_its_replacement_serves()
    {
        var pool = new WorkerPool(Plan(2));
        Serve(pool, pool.Reconcile().Start);
        pool.RecycleWanted(1, "served 10 requests (max_requests)");
        var replacing = pool.Reconcile();
        Assert.Equal([3], Numbers(replacing.Start));
        Assert.Empty(replacing.Retire);
        // The old slot keeps its load-board entry until it ends; the replacement takes a free one.
        Assert.Equal(2, replacing.Start[0].Slot.Entry);
        Assert.Empty(pool.Reconcile().Start);
        pool.RecycleWanted(1, "asked again");
        Assert.Empty(pool.Reconcile().Start);
        var served = Serve(pool, replacing.Start);
        Assert.Equal([1], Numbers(served.Retire));
        Assert.Equal("served 10 requests (max_requests)", served.Retire[0].Reason);
        pool.Ended(1);
        var after = pool.Reconcile();
        Assert.Empty(after.Start);
        Assert.Equal([2, 3], Live(pool));
    }

    [Fact]
    public void Scaling_down_retires_the_oldest_and_never_the_last_worker()
    {
        var pool = new WorkerPool(Plan(3));
        Serve(pool, pool.Reconcile().Start);
        Assert.Null(pool.ScaleBy(-2));
        var decision = pool.Reconcile();
        Assert.Equal([1, 2], Numbers(decision.Retire));
        Assert.All(decision.Retire, r => Assert.Equal("TTOU", r.Reason));
        Assert.Equal(3, decision.PreviousDesired);
        Assert.Equal("at least one worker must run", pool.ScaleBy(-1));
        Assert.Equal("5 workers would exceed max_workers (4)", pool.ScaleBy(+4));
        Assert.Null(pool.ScaleBy(+1));
        Assert.Equal([4], Numbers(pool.Reconcile().Start));
    }

    [Fact]
    public void Scaling_down_a_worker_under_replacement_retires_it_with_its_replacement()
    {
        var pool = new WorkerPool(Plan(2));
        Serve(pool, pool.Reconcile().Start);
        pool.RecycleWanted(2, "memory");
        Assert.Equal([3], Numbers(pool.Reconcile().Start));
        // Slot 2 and its replacement 3 are one worker; slot 1 is the oldest and goes.
        pool.ScaleBy(-1);
        Assert.Equal([1], Numbers(pool.Reconcile().Retire));
        // WINCH: slot 2 and its replacement both go, and no new replacement starts for slot 2.
        pool.RetireAll();
        var winch = pool.Reconcile();
        Assert.Equal([2, 3], Numbers(winch.Retire).Order());
        Assert.Empty(winch.Start);
        Assert.All(winch.Retire, r => Assert.Equal("WINCH", r.Reason));
        Assert.Null(pool.ScaleBy(+1));
        Assert.Equal([4], Numbers(pool.Reconcile().Start));
    }

    [Fact]
    public void A_generation_reload_retires_the_old_workers_once_every_new_one_serves()
    {
        var pool = new WorkerPool(Plan(2));
        Serve(pool, pool.Reconcile().Start);
        pool.BeginReload(Plan(3, generation: pool.NextGeneration));
        var begun = pool.Reconcile();
        Assert.Equal([3, 4, 5], Numbers(begun.Start));
        Assert.All(begun.Start, s => Assert.Equal(2, s.Plan.Generation));
        Assert.Equal("a reload is in progress", pool.ScaleBy(+1));
        Assert.Throws<InvalidOperationException>(() => pool.BeginReload(Plan(1, generation: 3)));
        Serve(pool, begun.Start.Take(2));
        Assert.Empty(pool.Reconcile().Retire);
        Assert.True(pool.IsBootingNew(5));
        var done = Serve(pool, begun.Start.Skip(2));
        Assert.Equal([1, 2], Numbers(done.Retire));
        Assert.Equal(2, done.Completed!.Generation);
        Assert.Equal(2, done.PreviousDesired);
        Assert.Equal((3, 2), (pool.Desired, pool.Plan.Generation));
        Assert.Null(pool.Rollout);
        Assert.Empty(pool.Reconcile().Start);
    }

    [Fact]
    public void A_rolling_reload_retires_one_old_worker_per_new_one_that_serves()
    {
        var pool = new WorkerPool(Plan(3));
        Serve(pool, pool.Reconcile().Start);
        pool.BeginReload(Plan(2, generation: 2, strategy: ReloadStrategy.Rolling));
        var first = pool.Reconcile();
        Assert.Equal([4], Numbers(first.Start));
        Assert.Empty(pool.Reconcile().Start);
        var second = Serve(pool, first.Start);
        Assert.Equal([1], Numbers(second.Retire));
        Assert.Equal([5], Numbers(second.Start));
        var last = Serve(pool, second.Start);
        // The new generation is whole: the rest of the old one goes at once.
        Assert.Equal([2, 3], Numbers(last.Retire));
        Assert.Equal(2, last.Completed!.Generation);
    }

    [Fact]
    public void An_abandoned_reload_stops_its_workers_and_restores_the_old_generation()
    {
        var pool = new WorkerPool(Plan(2));
        Serve(pool, pool.Reconcile().Start);
        pool.BeginReload(Plan(2, generation: 2, strategy: ReloadStrategy.Rolling));
        var first = pool.Reconcile();
        var second = Serve(pool, first.Start);
        Assert.Equal([1], Numbers(second.Retire));
        pool.Ended(1);
        Assert.True(pool.IsBootingNew(second.Start[0].Slot.Number));
        var abandoned = pool.Abandon();
        Assert.Equal([3, 4], abandoned.Select(s => s.Number));
        Assert.All(abandoned, s => Assert.Equal(SlotPhase.Abandoned, pool[s.Number]!.Phase));
        var restored = pool.Reconcile();
        Assert.Equal([5], Numbers(restored.Start));
        Assert.Equal(1, restored.Start[0].Plan.Generation);
        Assert.Null(restored.Completed);
        // Generations only count up: the next reload is the third.
        Assert.Equal(3, pool.NextGeneration);
    }

    [Fact]
    public void A_slot_that_ends_while_live_is_replaced_and_its_entry_reused()
    {
        var pool = new WorkerPool(Plan(3));
        Serve(pool, pool.Reconcile().Start);
        pool.Ended(2);
        var refill = pool.Reconcile();
        Assert.Equal([4], Numbers(refill.Start));
        Assert.Equal(1, refill.Start[0].Slot.Entry);
    }

    [Fact]
    public void A_pool_at_the_ceiling_starts_every_slot_in_one_step_each_with_its_own_entry()
    {
        var pool = new WorkerPool(new WorkerPlan(1024, TimeSpan.FromSeconds(5)) { MaxWorkers = 1024 });
        var started = pool.Reconcile().Start;
        Assert.Equal(Enumerable.Range(0, 1024), started.Select(s => s.Slot.Entry));
        Assert.Equal(Enumerable.Range(1, 1024), started.Select(s => s.Slot.Number));
    }
}
