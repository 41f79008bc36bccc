using AkkaGunicorn.Workers.Protocol;

namespace AkkaGunicorn.Arbiter.Control;

// What the control interface asks the Arbiter actor, and what the Arbiter reports back or publishes.

/// <summary>Command: kill a worker (SIGKILL); its slot's supervisor replaces it.</summary>
public sealed record KillWorker(int Pid);

/// <summary>Reply to <see cref="KillWorker"/>: the worker's slot, or null when there is no such worker.</summary>
public sealed record KillAnswer(int? Slot);

/// <summary>Reply to a scale command: slots started, and slots (with their PIDs) retired; or why nothing changed.</summary>
public sealed record ScaleAnswer(IReadOnlyList<int> Started, IReadOnlyList<(int Slot, int? Pid)> Retired, string? Refused);

/// <summary>
/// Command: stop taking connections and let every worker finish (each answers its next response with Connection:
/// close), keeping the Arbiter; answered with a <see cref="ScaleAnswer"/> of the workers retired.
/// </summary>
public sealed record DrainServer(string Reason);

/// <summary>Command: after a <see cref="DrainServer"/>, take connections again with as many workers as before; answered with a <see cref="ScaleAnswer"/>.</summary>
public sealed record UndrainServer;

/// <summary>Reply to a reload: the generation being started, or why there is none.</summary>
public sealed record ReloadAnswer(int? Generation, string? Refused);

/// <summary>Event (published): a reload finished, successfully or abandoned.</summary>
public sealed record ReloadFinished(int Generation, bool Succeeded, string Message);

/// <summary>Command: answer with a <see cref="ServerSnapshot"/>.</summary>
public sealed record GetSnapshot;

/// <summary>
/// Command, Arbiter → <see cref="StatsActor"/>: answer the original sender with a <see cref="ServerSnapshot"/> of these
/// slots (rows without figures yet) and the figures of their last heartbeats.
/// </summary>
public sealed record ComposeSnapshot(int Workers, int Generation, IReadOnlyList<WorkerRow> Slots, IReadOnlyList<string> Listeners,
    string Configuration);

/// <summary>Event, WorkerProcess → <see cref="StatsActor"/>: a worker's heartbeat, with where it sits.</summary>
public sealed record WorkerReported(int Slot, int Generation, DateTime Started, DateTime? Booted, Heartbeat Heartbeat, DateTime At);

/// <summary>One worker as <c>show workers</c> lists it.</summary>
public sealed record WorkerRow(int Pid, int Age, int Generation, DateTime Started, DateTime? Booted, long Requests, long InFlight,
    long Connections, long ResidentBytes, DateTime? LastHeartbeat);

/// <summary>Everything <c>show</c> can show, at one moment.</summary>
public sealed record ServerSnapshot(int ArbiterPid, int Workers, int Generation, IReadOnlyList<WorkerRow> Rows, StatsSnapshot Stats,
    IReadOnlyList<string> Listeners, string Configuration);
