namespace AkkaGunicorn.Workers.Protocol;

// The protocol between the Arbiter and its workers, over Akka.Remote on loopback. Kept small and
// explicitly serialized (ProtocolSerializer) so that two versions can run side by side during an upgrade.
// Every command carries the per-run secret: Akka.Remote itself would accept a message from any local process.

/// <summary>Worker → Arbiter: this process has booted and is ready to serve.</summary>
/// <param name="Secret">The per-run secret the Arbiter gave the process.</param>
/// <param name="Pid">The worker's process id.</param>
/// <param name="Generation">The configuration generation the worker was started with.</param>
public sealed record Register(string Secret, int Pid, int Generation);

/// <summary>Arbiter → worker: registration accepted; start serving.</summary>
/// <param name="Secret">Proves the sender is the Arbiter.</param>
public sealed record Registered(string Secret);

/// <summary>Arbiter → worker: registration refused; the worker exits.</summary>
/// <param name="Reason">Why.</param>
public sealed record Rejected(string Reason);

/// <summary>Worker → Arbiter, periodically: alive, with figures.</summary>
/// <param name="Pid">The worker's process id.</param>
/// <param name="Served">Requests completed so far.</param>
/// <param name="InFlight">Requests in progress.</param>
/// <param name="Connections">Open connections.</param>
/// <param name="ResidentBytes">Resident memory.</param>
/// <param name="StatusClasses">Responses by status class: index 1 is 1xx … 5 is 5xx, 0 anything else.</param>
/// <param name="Latency">Request latencies, counted in LatencyHistogram's buckets.</param>
public sealed record Heartbeat(int Pid, long Served, long InFlight, long Connections, long ResidentBytes,
    long[] StatusClasses, long[] Latency);

/// <summary>Arbiter → worker: stop accepting, finish in-flight requests within the timeout, then exit.</summary>
/// <param name="Secret">Proves the sender is the Arbiter.</param>
/// <param name="Reason">Why, for the log.</param>
/// <param name="TimeoutMs">How long in-flight requests may take.</param>
/// <param name="SweepBacklog">Whether to take, before it stops accepting, every connection already queued on
/// the listening sockets: set when the whole server stops, so that nobody else would serve them.</param>
public sealed record Drain(string Secret, string Reason, long TimeoutMs, bool SweepBacklog = false);

/// <summary>Worker → Arbiter: drained; exiting now.</summary>
/// <param name="Pid">The worker's process id.</param>
/// <param name="Served">Requests it served in its life.</param>
public sealed record Drained(int Pid, long Served);

/// <summary>Worker → Arbiter: this worker has served its max_requests quota and asks to be replaced.</summary>
/// <param name="Pid">The worker's process id.</param>
/// <param name="Served">Requests served.</param>
public sealed record QuotaReached(int Pid, long Served);
