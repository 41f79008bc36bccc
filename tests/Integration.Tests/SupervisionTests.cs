using System.Threading.Channels;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using AkkaGunicorn.Arbiter.Supervision;
using AkkaGunicorn.Workers.Protocol;
using Xunit;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>The Arbiter's decisions, fast and deterministic, with fake worker processes.</summary>
public sealed class SupervisionTests : TestKit
{
    private const string Secret = "s3cret";
    private readonly FakeLauncher _launcher = new();
    private readonly TaskCompletionSource<int> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private IActorRef StartArbiter(int workers) =>
        Sys.ActorOf(ArbiterActor.Props(new ArbiterOptions(workers, TimeSpan.FromSeconds(5), _launcher, Secret, _exit)
        {
            MinBackoff = TimeSpan.FromMilliseconds(10),
            MaxBackoff = TimeSpan.FromMilliseconds(50),
        }));

    [Fact]
    public async Task Starts_the_configured_number_of_workers()
    {
        StartArbiter(3);
        var pids = new[] { (await _launcher.NextAsync()).Pid, (await _launcher.NextAsync()).Pid, (await _launcher.NextAsync()).Pid };
        Assert.Equal(3, pids.Distinct().Count());
    }

    [Fact]
    public async Task A_crashed_worker_is_replaced_by_supervision()
    {
        var arbiter = StartArbiter(1);
        var first = await _launcher.NextAsync();
        arbiter.Tell(new Register(Secret, first.Pid, 1), TestActor);
        ExpectMsg<Registered>(m => m.Secret == Secret);
        first.Exit(137);
        var second = await _launcher.NextAsync();
        Assert.NotEqual(first.Pid, second.Pid);
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
    public async Task A_registration_with_the_wrong_secret_is_rejected()
    {
        var arbiter = StartArbiter(1);
        var worker = await _launcher.NextAsync();
        arbiter.Tell(new Register("guess", worker.Pid, 1), TestActor);
        ExpectMsg<Rejected>();
    }

    [Fact]
    public async Task Graceful_shutdown_drains_registered_workers_then_exits_0()
    {
        var arbiter = StartArbiter(1);
        var worker = await _launcher.NextAsync();
        arbiter.Tell(new Register(Secret, worker.Pid, 1), TestActor);
        ExpectMsg<Registered>();
        arbiter.Tell(new Shutdown(Graceful: true, "test"));
        var drain = ExpectMsg<Drain>();
        Assert.Equal(Secret, drain.Secret);
        Assert.Equal(5000, drain.TimeoutMs);
        worker.Exit(0);
        Assert.Equal(0, await _exit.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private sealed class FakeLauncher : IWorkerLauncher
    {
        private readonly Channel<FakeHandle> _launched = Channel.CreateUnbounded<FakeHandle>();
        private int _nextPid = 1000;

        public IWorkerHandle Launch(int generation)
        {
            var handle = new FakeHandle(Interlocked.Increment(ref _nextPid));
            _launched.Writer.TryWrite(handle);
            return handle;
        }

        public async Task<FakeHandle> NextAsync() => await _launched.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }

    private sealed class FakeHandle(int pid) : IWorkerHandle
    {
        private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Pid { get; } = pid;

        public Task<int> Exited => _exited.Task;

        public bool Killed { get; private set; }

        public void Exit(int code) => _exited.TrySetResult(code);

        public void Signal(int signal) => Exit(128 + signal);

        public void Kill()
        {
            Killed = true;
            Exit(137);
        }
    }
}
