namespace AkkaGunicorn.Arbiter.Supervision;

/// <summary>A worker process ended without being asked to. Thrown by its WorkerProcess actor so that supervision replaces it.</summary>
public sealed class WorkerCrashedException(int pid, string how) : Exception($"Worker (pid:{pid}) {how}")
{
    /// <summary>The dead process's id.</summary>
    public int Pid { get; } = pid;
}
