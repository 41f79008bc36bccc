namespace AkkaGunicorn.Workers.Protocol;

// The protocol between the Arbiter and its workers, over Akka.Remote on Unix sockets only the two ends may use (PrivateRemoting).
// Kept small and explicitly serialized (ProtocolSerializer): nothing else can be built from a peer's bytes.
// TLS proves that a peer belongs to this run; the token proves which worker it is. Each worker gets a token of its
// own through its boot channel, and every message either way carries it, so one worker (running the app, perhaps
// compromised) can neither speak for another nor be steered by one.

/// <summary>Worker → Arbiter: this process has booted and is ready to serve.</summary>
/// <param name="Token">The worker's own token, from its boot channel.</param>
/// <param name="Pid">The worker's process id.</param>
/// <param name="Generation">The configuration generation the worker was started with.</param>
public sealed record Register(string Token, int Pid, int Generation);

/// <summary>Arbiter → worker: registration accepted; start serving.</summary>
/// <param name="Token">The worker's token: proves the sender is the Arbiter that started it.</param>
public sealed record Registered(string Token);

/// <summary>Arbiter → worker: registration refused; the worker exits.</summary>
/// <param name="Token">The token the registration presented.</param>
/// <param name="Reason">Why.</param>
public sealed record Rejected(string Token, string Reason);

/// <summary>Worker → Arbiter, periodically: alive, with figures.</summary>
/// <param name="Token">The worker's token.</param>
/// <param name="Pid">The worker's process id.</param>
/// <param name="Served">Requests completed so far.</param>
/// <param name="InFlight">Requests in progress.</param>
/// <param name="Connections">Open connections.</param>
/// <param name="ResidentBytes">Resident memory.</param>
/// <param name="StatusClasses">Responses by status class: index 1 is 1xx … 5 is 5xx, 0 anything else.</param>
/// <param name="Latency">Request latencies, counted in LatencyHistogram's buckets.</param>
/// <param name="Phases">Open connections by ConnectionPhase.</param>
/// <param name="Expiries">Connections closed so far by ConnectionExpiry (deadlines, slow clients, evictions).</param>
public sealed record Heartbeat(string Token, int Pid, long Served, long InFlight, long Connections, long ResidentBytes,
    long[] StatusClasses, long[] Latency, long[] Phases, long[] Expiries);

/// <summary>Arbiter → worker: stop accepting, finish in-flight requests within the timeout, then exit.</summary>
/// <param name="Token">The worker's token.</param>
/// <param name="Reason">Why, for the log.</param>
/// <param name="TimeoutMs">How long in-flight requests may take.</param>
/// <param name="SweepBacklog">Whether to take, before it stops accepting, every connection already queued on
/// the listening sockets: set when the whole server stops, so that nobody else would serve them.</param>
public sealed record Drain(string Token, string Reason, long TimeoutMs, bool SweepBacklog = false);

/// <summary>Worker → Arbiter: drained; exiting now.</summary>
/// <param name="Token">The worker's token.</param>
/// <param name="Pid">The worker's process id.</param>
/// <param name="Served">Requests it served in its life.</param>
public sealed record Drained(string Token, int Pid, long Served);

/// <summary>
/// Worker → Arbiter: this worker asks to be replaced, by its recycling policy (its request quota served, its memory
/// limit passed).
/// </summary>
/// <param name="Token">The worker's token.</param>
/// <param name="Pid">The worker's process id.</param>
/// <param name="Served">Requests served.</param>
/// <param name="Reason">Why, as the log says it.</param>
public sealed record RecycleWanted(string Token, int Pid, long Served, string Reason);
