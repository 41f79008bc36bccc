using Akka.Actor;

namespace AkkaGunicorn.Arbiter.Supervision;

// The Arbiter's own protocol, between the ArbiterActor and its WorkerProcess children.

/// <summary>Command: stop the whole server, gracefully (TERM) or quickly (INT, QUIT), then exit with <paramref name="ExitCode"/>.</summary>
public sealed record Shutdown(bool Graceful, string Reason, int ExitCode = 0);

/// <summary>
/// Command: stop this worker; gracefully lets it finish in-flight requests within the timeout.
/// <paramref name="SweepBacklog"/>: the whole server stops, so the worker first takes what the kernel has queued.
/// </summary>
public sealed record RetireWorker(string Reason, bool Graceful, TimeSpan Timeout, bool SweepBacklog = false);

/// <summary>Command: run <paramref name="Delta"/> more (or fewer) workers (TTIN, TTOU).</summary>
public sealed record ScaleWorkers(int Delta);

/// <summary>Command: re-read the configuration and replace the workers with a new generation (HUP).</summary>
public sealed record Reload(string Reason);

/// <summary>Command: start a new Arbiter from the current executable that inherits the listening sockets (USR2).</summary>
public sealed record UpgradeBinary;

/// <summary>Command: reopen log files (USR1).</summary>
public sealed record ReopenLogs;

/// <summary>Command: retire every worker gracefully and keep the Arbiter (WINCH); TTIN starts workers again.</summary>
public sealed record RetireAllWorkers;

/// <summary>
/// Command, from a WorkerProcess: its worker should be replaced (request quota served, memory limit passed);
/// the replacement starts first and the worker drains once it serves.
/// </summary>
public sealed record RecycleWorker(int Slot, string Reason);

/// <summary>Command, to a WorkerProcess: send its process this signal.</summary>
public sealed record SignalWorker(int Signal);

/// <summary>Event: a worker process was started in a slot.</summary>
public sealed record WorkerSpawned(int Slot, int Pid);

/// <summary>Event: a worker registered and serves.</summary>
public sealed record WorkerBooted(int Slot, int Pid);

/// <summary>
/// Event: a worker process ended; <paramref name="Expected"/> when we asked it to. <paramref name="Served"/> is the
/// request count of its last heartbeat.
/// </summary>
public sealed record WorkerExited(int Slot, int Pid, string How, bool Expected, long Served = 0);

/// <summary>Event: a worker process exited before registering, with a boot or app-load error code.</summary>
public sealed record WorkerBootFailed(int Slot, int Pid, int ExitCode);

/// <summary>Event, internal to a WorkerProcess: its OS process has exited.</summary>
internal sealed record ProcessExited(int ExitCode);

/// <summary>Event, internal: the graceful deadline has passed.</summary>
internal sealed record RetireDeadlinePassed;

/// <summary>Event, internal: time to check the worker's heartbeat.</summary>
internal sealed record CheckLiveness;

/// <summary>Event, internal: the aborted worker had its grace; kill it.</summary>
internal sealed record AbortGracePassed;
