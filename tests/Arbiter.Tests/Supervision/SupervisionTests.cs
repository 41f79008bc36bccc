using AkkaGunicorn.Arbiter.Control;
using AkkaGunicorn.Arbiter.Pool;
using System.Threading.Channels;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using AkkaGunicorn.Arbiter.Supervision;
using AkkaGunicorn.Workers.Protocol;
using Xunit;

namespace AkkaGunicorn.Arbiter.Tests.Supervision;

/// <summary>The Arbiter's decisions, fast and deterministic, with fake worker processes.</summary>
public sealed class SupervisionTests : TestKit
{
    private readonly FakeLauncher _launcher = new();
    private readonly TaskCompletionSource<int> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private IActorRef StartArbiter(int workers, Func<WorkerPlan>? reload = null, TimeSpan? graceful = null) =>
        Sys.ActorOf(ArbiterActor.Props(new ArbiterOptions(new WorkerPlan(workers, graceful ?? TimeSpan.FromSeconds(5)), _launcher, _exit)
        {
            MinBackoff = TimeSpan.FromMilliseconds(10),
            MaxBackoff = TimeSpan.FromMilliseconds(50),
            Reload = reload ?? (() => throw new InvalidOperationException("no reload in this test")),
        }));

    /// <summary>Registers a launched worker as this test's actor, which then receives what the Arbiter tells it.</summary>
    private FakeHandle Boot(IActorRef arbiter, FakeHandle handle)
    {
        arbiter.Tell(new Register(handle.Token, handle.Pid, handle.Plan.Generation), TestActor);
        ExpectMsg<Registered>();
        return handle;
    }

    private async Task<List<FakeHandle>> BootAll(IActorRef arbiter, int count)
    {
        var handles = new List<FakeHandle>();
        for (int i = 0; i < count; i++) handles.Add(Boot(arbiter, await _launcher.NextAsync()));
        return handles;
    }

    [Fact]
    public async Task A_generation_reload_drains_the_old_workers_only_once_every_new_one_serves()
    {
        var arbiter = StartArbiter(2, () => new WorkerPlan(3, TimeSpan.FromSeconds(5)) { Configuration = "new" });
        var old = await BootAll(arbiter, 2);
        arbiter.Tell(new Reload("test"), ActorRefs.NoSender);
        var fresh = new List<FakeHandle>();
        for (int i = 0; i < 3; i++) fresh.Add(await _launcher.NextAsync());
        Assert.All(fresh, h => Assert.Equal((2, "new"), (h.Plan.Generation, h.Plan.Configuration)));
        Boot(arbiter, fresh[0]);
        Boot(arbiter, fresh[1]);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Boot(arbiter, fresh[2]);
        Assert.Equal("reload", ExpectMsg<Drain>().Reason);
        Assert.Equal("reload", ExpectMsg<Drain>().Reason);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        foreach (var handle in old) handle.Exit(0);
        // The drained workers are gone from the roster; the new generation serves alone.
        await AwaitAssertAsync(async () =>
        {
            var snapshot = await arbiter.Ask<ServerSnapshot>(new GetSnapshot(), TimeSpan.FromSeconds(5));
            Assert.Equal(fresh.Select(h => h.Pid).Order(), snapshot.Rows.Select(r => r.Pid).Order());
            Assert.Equal((3, 2), (snapshot.Workers, snapshot.Generation));
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_rolling_reload_replaces_one_worker_at_a_time()
    {
        var arbiter = StartArbiter(2, () => new WorkerPlan(2, TimeSpan.FromSeconds(5)) { Strategy = ReloadStrategy.Rolling });
        await BootAll(arbiter, 2);
        arbiter.Tell(new Reload("test"), ActorRefs.NoSender);
        var first = await _launcher.NextAsync();
        Assert.Equal(2, first.Plan.Generation);
        // Only one new worker until it serves; then one old one drains and the next new one starts.
        Assert.Null(await _launcher.TryNextAsync(TimeSpan.FromMilliseconds(200)));
        Boot(arbiter, first);
        ExpectMsg<Drain>();
        var second = await _launcher.NextAsync();
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Boot(arbiter, second);
        ExpectMsg<Drain>();
        Assert.Null(await _launcher.TryNextAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task A_reload_whose_app_cannot_load_is_abandoned_and_the_old_generation_serves_on()
    {
        var arbiter = StartArbiter(2, () => new WorkerPlan(2, TimeSpan.FromSeconds(5)));
        var old = await BootAll(arbiter, 2);
        arbiter.Tell(new Reload("test"), ActorRefs.NoSender);
        var broken = await _launcher.NextAsync();
        var other = await _launcher.NextAsync();
        broken.Exit(4);
        await AwaitConditionAsync(() => Task.FromResult(other.Killed), TimeSpan.FromSeconds(10));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.False(_exit.Task.IsCompleted);
        Assert.All(old, h => Assert.False(h.Killed));
        // The old generation is whole again: a TTIN (refused during a reload) works.
        arbiter.Tell(new ScaleWorkers(+1), ActorRefs.NoSender);
        Assert.Equal(1, (await _launcher.NextAsync()).Plan.Generation);
    }

    [Fact]
    public async Task A_reload_with_an_unusable_configuration_changes_nothing()
    {
        var arbiter = StartArbiter(1, () => throw new InvalidOperationException("workers: 'many' is not an integer"));
        await BootAll(arbiter, 1);
        arbiter.Tell(new Reload("test"), ActorRefs.NoSender);
        Assert.Null(await _launcher.TryNextAsync(TimeSpan.FromMilliseconds(300)));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Starts_the_configured_number_of_workers()
    {
        StartArbiter(3);
        var slots = new[] { (await _launcher.NextAsync()).Slot, (await _launcher.NextAsync()).Slot, (await _launcher.NextAsync()).Slot };
        // Three slots of generation 1, each with its own entry on the load board; no fourth.
        Assert.Equal([1, 1, 1], slots.Select(s => s.Generation));
        Assert.Equal([0, 1, 2], slots.Select(s => s.Entry).Order());
        Assert.Null(await _launcher.TryNextAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task A_crashed_worker_is_replaced_by_supervision()
    {
        var arbiter = StartArbiter(1);
        var first = await _launcher.NextAsync();
        arbiter.Tell(new Register(first.Token, first.Pid, 1), TestActor);
        ExpectMsg<Registered>(m => m.Token == first.Token);
        first.Exit(137);
        // The same slot starts a new process, and the server does not stop.
        var second = await _launcher.NextAsync();
        Assert.Equal(first.Slot, second.Slot);
        Boot(arbiter, second);
        var snapshot = await arbiter.Ask<ServerSnapshot>(new GetSnapshot(), TimeSpan.FromSeconds(5));
        Assert.Equal([second.Pid], snapshot.Rows.Select(r => r.Pid));
        Assert.False(_exit.Task.IsCompleted);
    }

    [Fact]
    public async Task Crash_loops_back_off_instead_of_spinning()
    {
        StartArbiter(1);
        var times = new List<DateTime>();
        for (int i = 0; i < 4; i++)
        {
            var handle = await _launcher.NextAsync();
            times.Add(DateTime.UtcNow);
            handle.Exit(1);
        }
        // 10 ms, 20 ms, 40 ms (±20%) between restarts: at least 10*0.8 + 20*0.8 + 40*0.8 ms in all.
        Assert.True((times[^1] - times[0]).TotalMilliseconds >= 50, $"restarted too fast: {(times[^1] - times[0]).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_worker_that_cannot_load_the_app_stops_the_server_with_its_code()
    {
        StartArbiter(2);
        var first = await _launcher.NextAsync();
        var second = await _launcher.NextAsync();
        first.Exit(4);
        Assert.Equal(4, await _exit.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(second.Killed);
    }

    [Fact]
    public async Task A_registration_with_another_workers_token_or_pid_is_rejected()
    {
        var arbiter = StartArbiter(2);
        var worker = await _launcher.NextAsync();
        var other = await _launcher.NextAsync();
        arbiter.Tell(new Register("guess", worker.Pid, 1), TestActor);
        ExpectMsg<Rejected>();
        arbiter.Tell(new Register(other.Token, worker.Pid, 1), TestActor);
        ExpectMsg<Rejected>();
        arbiter.Tell(new Register(worker.Token, 4242, 1), TestActor);
        ExpectMsg<Rejected>();
        // The real worker still registers.
        Boot(arbiter, worker);
    }

    [Fact]
    public async Task Messages_with_another_workers_token_change_nothing()
    {
        var arbiter = StartArbiter(2);
        var victim = Boot(arbiter, await _launcher.NextAsync());
        var victimsProcess = LastSender;
        var forger = Boot(arbiter, await _launcher.NextAsync());
        // The forger knows where the victim's messages go, but not its token: a recycling request, a heartbeat and a
        // drained message in the victim's name change nothing; the victim's own request does.
        victimsProcess.Tell(new RecycleWanted(forger.Token, victim.Pid, 10, "forged"), TestActor);
        victimsProcess.Tell(Beat(forger.Token, victim.Pid, 150L << 20), TestActor);
        victimsProcess.Tell(new Drained(forger.Token, victim.Pid, 10), TestActor);
        Assert.Null(await _launcher.TryNextAsync(TimeSpan.FromMilliseconds(300)));
        victimsProcess.Tell(new RecycleWanted(victim.Token, victim.Pid, 10, "served 10 requests (max_requests)"), TestActor);
        Assert.NotNull(await _launcher.TryNextAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_worker_that_asks_to_be_recycled_is_replaced_first_and_then_drained_once()
    {
        var arbiter = StartArbiter(1);
        var old = Boot(arbiter, await _launcher.NextAsync());
        var registered = LastSender;
        registered.Tell(new RecycleWanted(old.Token, old.Pid, 0, "uses 150 MB, more than max_worker_memory (100 MB)"), TestActor);
        // Asked again (a second heartbeat over the limit): still one replacement.
        registered.Tell(new RecycleWanted(old.Token, old.Pid, 0, "uses 151 MB, more than max_worker_memory (100 MB)"), TestActor);
        var replacement = await _launcher.NextAsync();
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Boot(arbiter, replacement);
        Assert.Equal("uses 150 MB, more than max_worker_memory (100 MB)", ExpectMsg<Drain>().Reason);
        Assert.False(old.Killed);
        Assert.Null(await _launcher.TryNextAsync(TimeSpan.FromMilliseconds(200)));
    }

    private static Heartbeat Beat(string token, int pid, long resident) => new(token, pid, 0, 0, 0, resident, new long[6], new long[LatencyHistogramBuckets], new long[5], new long[4]);

    private const int LatencyHistogramBuckets = AkkaGunicorn.Workers.Observability.LatencyHistogram.Buckets;

    [Fact]
    public async Task Graceful_shutdown_drains_registered_workers_then_exits_0()
    {
        var arbiter = StartArbiter(1);
        var worker = await _launcher.NextAsync();
        arbiter.Tell(new Register(worker.Token, worker.Pid, 1), TestActor);
        ExpectMsg<Registered>();
        arbiter.Tell(new Shutdown(Graceful: true, "test"));
        var drain = ExpectMsg<Drain>();
        Assert.Equal(worker.Token, drain.Token);
        Assert.Equal(5000, drain.TimeoutMs);
        worker.Exit(0);
        Assert.Equal(0, await _exit.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_worker_that_registers_after_a_graceful_stop_began_gets_the_stops_drain_and_time()
    {
        // Workers serve before they register: one the stop reached first (by TERM) may have connections open.
        var arbiter = StartArbiter(1, graceful: TimeSpan.FromSeconds(60));
        var worker = await _launcher.NextAsync();
        worker.SignalsIgnored = true;
        arbiter.Tell(new Shutdown(Graceful: true, "test"));
        await AwaitConditionAsync(() => Task.FromResult(worker.Signals.Contains(15)));
        arbiter.Tell(new Register(worker.Token, worker.Pid, 1), TestActor);
        ExpectMsg<Registered>();
        var drain = ExpectMsg<Drain>();
        Assert.Equal("test", drain.Reason);
        Assert.True(drain.SweepBacklog);
        Assert.InRange(drain.TimeoutMs, 1, 60_000);
        Assert.False(worker.Killed);
        worker.Exit(0);
        Assert.Equal(0, await _exit.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private sealed class FakeLauncher : IWorkerLauncher
    {
        private readonly Channel<FakeHandle> _launched = Channel.CreateUnbounded<FakeHandle>();
        private int _nextPid = 1000;

        public IWorkerHandle Launch(WorkerPlan plan, SlotRef slot)
        {
            var handle = new FakeHandle(Interlocked.Increment(ref _nextPid), plan, slot);
            _launched.Writer.TryWrite(handle);
            return handle;
        }

        public async Task<FakeHandle> NextAsync() => await _launched.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        /// <summary>The next launch within <paramref name="wait"/>, or null when there is none.</summary>
        public async Task<FakeHandle?> TryNextAsync(TimeSpan wait)
        {
            using var cts = new CancellationTokenSource(wait);
            try
            {
                return await _launched.Reader.ReadAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
    }

    private sealed class FakeHandle(int pid, WorkerPlan plan, SlotRef slot) : IWorkerHandle
    {
        public WorkerPlan Plan { get; } = plan;

        public SlotRef Slot { get; } = slot;

        private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Pid { get; } = pid;

        public string Token { get; } = WorkerSecrets.NewToken();

        public Task<int> Exited => _exited.Task;

        public bool Killed => Volatile.Read(ref _killed);

        private bool _killed;

        public void Exit(int code) => _exited.TrySetResult(code);

        /// <summary>Signals are recorded and, unless this is set, end the process as their default action would.</summary>
        public bool SignalsIgnored { get; set; }

        public IReadOnlyCollection<int> Signals => _signals;

        private readonly System.Collections.Concurrent.ConcurrentBag<int> _signals = [];

        public void Signal(int signal)
        {
            _signals.Add(signal);
            if (!SignalsIgnored) Exit(128 + signal);
        }

        public void Kill()
        {
            Volatile.Write(ref _killed, true);
            Exit(137);
        }
    }
}
