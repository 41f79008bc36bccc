using AkkaGunicorn.Arbiter.Pool;
using System.Diagnostics;
using AkkaGunicorn.Arbiter.Hosting;
using AkkaGunicorn.Arbiter.Native;
using AkkaGunicorn.Workers.Boot;
using AkkaGunicorn.Workers.Hosting;
using AkkaGunicorn.Workers.Protocol;
using AkkaGunicorn.Workers.Sockets;

namespace AkkaGunicorn.Arbiter.Supervision;

/// <summary>
/// Starts workers as the same binary in worker mode. They inherit the listening sockets and the lifeline pipe's read
/// end as descriptors, and learn everything else (their secrets, where the Arbiter is, their typed settings) from the
/// <see cref="WorkerBoot"/> record in a boot channel of their own.
/// </summary>
public sealed class ProcessLauncher(IReadOnlyList<InheritedListener> listeners, string arbiterPath, RunCredentials credentials,
    int lifelineDescriptor, LoadBoardFile board, WorkerIdentity? identity) : IWorkerLauncher
{
    private readonly byte[] _credentials = credentials.Export();

    /// <inheritdoc />
    public IWorkerHandle Launch(WorkerPlan plan, SlotRef slot)
    {
        var info = ThisExecutable.WorkerStartInfo(plan.Runtime);
        // Socket completions in a worker only post a message to a stage's actor: run them on the epoll thread
        // rather than paying a thread-pool hop before the actor's own.
        info.Environment["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1";
        // Every worker starts cold (boot, recycle, reload, TTIN). With the runtime's default, tiering only counts calls
        // once no new method has been compiled for 100 ms, which a server under load keeps putting off: a new worker
        // took about 30 s to reach its speed (half of it at under half speed). Counting at once gets there in about
        // 3 s. An operator's own setting in the Arbiter's environment wins.
        info.Environment.TryAdd("DOTNET_TC_CallCountingDelayMs", "0");
        var token = WorkerSecrets.NewToken();
        var boot = new WorkerBoot
        {
            Secrets = new WorkerSecrets(token, _credentials),
            ArbiterPath = arbiterPath,
            ArbiterPid = Environment.ProcessId,
            Generation = plan.Generation,
            Slot = slot.Number,
            LifelineDescriptor = lifelineDescriptor,
            BoardDescriptor = board.Descriptor,
            BoardEntry = slot.Entry,
            Identity = identity?.ToString(),
            Listeners = listeners,
            Settings = plan.Settings ?? throw new InvalidOperationException("a worker plan without settings cannot start processes"),
        };
        var process = ThisExecutable.StartWorker(info, boot);
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
