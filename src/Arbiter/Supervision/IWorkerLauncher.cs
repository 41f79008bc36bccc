using AkkaGunicorn.Arbiter.Pool;

namespace AkkaGunicorn.Arbiter.Supervision;

/// <summary>Starts worker OS processes. A seam, so that the Arbiter's decisions can be tested with fake processes.</summary>
public interface IWorkerLauncher
{
    /// <summary>Starts one worker process of <paramref name="plan"/>'s generation, with its configuration, for <paramref name="slot"/>.</summary>
    IWorkerHandle Launch(WorkerPlan plan, SlotRef slot);
}

/// <summary>A started worker process.</summary>
public interface IWorkerHandle
{
    /// <summary>Its process id.</summary>
    int Pid { get; }

    /// <summary>The worker's own token: every protocol message to or from it carries this.</summary>
    string Token { get; }

    /// <summary>Completes with the exit code when the process has exited (128 + signal for a signal death).</summary>
    Task<int> Exited { get; }

    /// <summary>Sends a POSIX signal.</summary>
    void Signal(int signal);

    /// <summary>Kills the process (SIGKILL).</summary>
    void Kill();
}
