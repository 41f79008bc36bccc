using AkkaGunicorn.Arbiter.Pool;
using System.Diagnostics;
using AkkaGunicorn.Arbiter.Hosting;
using AkkaGunicorn.Arbiter.Native;
using AkkaGunicorn.Workers.Balance;
using AkkaGunicorn.Workers.Boot;
using AkkaGunicorn.Workers.Hosting;
using AkkaGunicorn.Workers.Protocol;
using AkkaGunicorn.Workers.Sockets;

namespace AkkaGunicorn.Arbiter.Supervision;

/// <summary>
/// Starts workers as the same binary in worker mode. They inherit the listening sockets and the lifeline pipe's read
/// end as descriptors, and learn everything else (their secrets, their typed settings, then where the Arbiter is) from
/// a <see cref="BootChannel"/> of their own. <paramref name="arbiterPath"/> completes once the Arbiter actor's
/// address exists; workers started before that are told it then.
/// </summary>
public sealed class ProcessLauncher(IReadOnlyList<InheritedListener> listeners, Task<string> arbiterPath,
    int lifelineDescriptor, LoadBoardFile board, WorkerIdentity? identity) : IWorkerLauncher, IDisposable
{
    private readonly Dictionary<SlotRef, (IWorkerHandle Handle, TaskCompletionSource<string> Slotted)> _prestarted = [];
    private WorkerPlan? _prestartedPlan;

    /// <summary>
    /// Starts the first <paramref name="count"/> slots of <paramref name="plan"/> now, before the Arbiter actor asks for
    /// them: slots 1 to <paramref name="count"/> on board entries 0 to <paramref name="count"/> - 1, as the pool numbers
    /// its first slots. Each boots its app at once and is told where the Arbiter is only when <see cref="Launch"/> hands
    /// it to its slot, so no worker registers, or is supervised, before it has one.
    /// </summary>
    public void Prestart(WorkerPlan plan, int count)
    {
        lock (_prestarted)
        {
            _prestartedPlan = plan;
            for (int number = 1; number <= count; number++)
            {
                var slot = new SlotRef(number, plan.Generation, number - 1);
                var slotted = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                _prestarted[slot] = (Start(plan, slot, slotted.Task), slotted);
            }
        }
    }

    /// <summary>
    /// Completes once every prestarted worker serves (it has joined its board entry, which a worker does as it starts
    /// accepting) or has exited, or after <paramref name="cap"/>. The board is the only thing a worker shares with the
    /// Arbiter before remoting exists, so this looks every 10 ms: a wait of a second or so, once per start.
    /// </summary>
    public async Task PrestartedServingAsync(LoadBoard board, TimeSpan cap)
    {
        List<(SlotRef Slot, IWorkerHandle Handle)> early;
        lock (_prestarted) early = [.. _prestarted.Select(p => (p.Key, p.Value.Handle))];
        long deadline = Environment.TickCount64 + (long)cap.TotalMilliseconds;
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        while (Environment.TickCount64 < deadline && early.Any(e => board.PidAt(e.Slot.Entry) != e.Handle.Pid && !e.Handle.Exited.IsCompleted))
            await tick.WaitForNextTickAsync();
    }

    /// <inheritdoc />
    public IWorkerHandle Launch(WorkerPlan plan, SlotRef slot)
    {
        lock (_prestarted)
        {
            if (_prestarted.Remove(slot, out var early))
            {
                if (ReferenceEquals(plan, _prestartedPlan))
                {
                    arbiterPath.ContinueWith(path => early.Slotted.TrySetFromTask(path), TaskScheduler.Default);
                    return early.Handle;
                }
                early.Slotted.TrySetCanceled();
                early.Handle.Kill();
            }
        }
        return Start(plan, slot, arbiterPath);
    }

    /// <summary>Kills the prestarted workers no slot took (the Arbiter stopped before it started them).</summary>
    public void Dispose()
    {
        lock (_prestarted)
        {
            foreach (var (handle, slotted) in _prestarted.Values)
            {
                slotted.TrySetCanceled();
                handle.Kill();
            }
            _prestarted.Clear();
        }
    }

    private Handle Start(WorkerPlan plan, SlotRef slot, Task<string> arbiterPathGiven)
    {
        var info = ThisExecutable.WorkerStartInfo(plan.Runtime);
        // Socket completions in a worker only post a message to a stage's actor: run them on the epoll thread
        // rather than paying a thread-pool hop before the actor's own.
        info.Environment["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1";
        // Every worker starts cold (boot, recycle, reload, TTIN). With the runtime's default, tiering only counts calls
        // once no new method has been compiled for 100 ms, which a server under load keeps putting off: a new worker
        // took about 30 s to reach its speed (half of it at under half speed). Counting at once gets there in about
        // 3 s. Counting from the start, though, also recompiled every start-up method called 30 times (the runtime's
        // threshold): half a worker's CPU before its first answer went to the tiering thread. At 1,000 calls only what
        // serves requests is recompiled; measured on the web template, the first answer came about 80 ms sooner, with
        // 5 MB less memory, and the worker reached its speed as soon. An operator's own setting in the Arbiter's
        // environment wins.
        info.Environment.TryAdd("DOTNET_TC_CallCountingDelayMs", "0");
        info.Environment.TryAdd("DOTNET_TC_CallCountThreshold", "1000");
        // A worker on AkkaGunicorn's own runtime settings (workstation GC) collects whenever it has allocated its gen0
        // budget, which the runtime derives from the CPU's cache as the OS reports it: on a VM, a worker collected 13
        // times a second under a new connection per request and faulted 0.8-1.3 fresh pages in per connection
        // (clearing and faulting in that memory led its profile). A 32 MiB floor took the faults to 0 and the CPU per
        // connection from 123-142 to 110-119 us (48 MiB bought nothing more); the cost is up to ~25 MiB more
        // resident after load. Apps on their own runtimeconfig (ASP.NET Core apps: Server GC) keep the runtime's
        // choice, as under `dotnet app.dll`; an operator's own setting wins.
        if (plan.Runtime.RuntimeConfig is null) info.Environment.TryAdd("DOTNET_GCgen0size", "0x2000000");
        var token = WorkerSecrets.NewToken();
        var boot = new WorkerBoot
        {
            Secrets = new WorkerSecrets(token),
            ArbiterPid = Environment.ProcessId,
            Generation = plan.Generation,
            Slot = slot.Number,
            LifelineDescriptor = lifelineDescriptor,
            BoardDescriptor = board.Descriptor,
            BoardEntry = slot.Entry,
            Identity = identity?.ToString(),
            AppKind = plan.Runtime.AppKind,
            Listeners = listeners,
            Settings = plan.Settings ?? throw new InvalidOperationException("a worker plan without settings cannot start processes"),
        };
        var process = ThisExecutable.StartWorker(info, boot, arbiterPathGiven);
        var handle = new Handle(process, token);
        // A dead worker's entry must not hold its siblings back, nor confuse the next worker given it.
        handle.Exited.ContinueWith(_ => board.Board.Clear(slot.Entry), TaskScheduler.Default);
        return handle;
    }

    private sealed class Handle : IWorkerHandle
    {
        private readonly Process _process;

        public Handle(Process process, string token)
        {
            _process = process;
            Token = token;
            Pid = process.Id;
            Exited = WaitAsync(process);
        }

        public int Pid { get; }

        public string Token { get; }

        public Task<int> Exited { get; }

        public void Signal(int signal) => Libc.Kill(Pid, signal);

        public void Kill()
        {
            try
            {
                _process.Kill();
            }
            catch (InvalidOperationException)
            {
            }
        }

        private static async Task<int> WaitAsync(Process process)
        {
            await process.WaitForExitAsync();
            return process.ExitCode;
        }
    }
}
