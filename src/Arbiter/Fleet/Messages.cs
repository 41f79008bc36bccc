namespace AkkaGunicorn.Arbiter.Fleet;

// The fleet's protocol between Arbiters: what each node publishes, what the coordinator is asked, what it asks nodes.
// Every message crosses the cluster transport as JSON (FleetSerializer), so nodes of neighbouring versions (a rolling
// upgrade) read each other: new members may be added, existing ones keep their names and meaning.

/// <summary>A message that crosses the cluster transport (serialized by <see cref="FleetSerializer"/>).</summary>
public interface IFleetMessage;

/// <summary>Event (replicated state): one node as it last described itself.</summary>
/// <param name="Node">The node's cluster address as HOST:PORT.</param>
/// <param name="Roles">Its <c>cluster.roles</c>.</param>
/// <param name="Pid">The Arbiter's process id.</param>
/// <param name="Generation">Its worker generation (each reload adds one).</param>
/// <param name="App">A fingerprint of the app's assembly (the first 12 hex digits of its SHA-256).</param>
/// <param name="Config">A fingerprint of its effective configuration.</param>
/// <param name="Workers">Workers it wants.</param>
/// <param name="WorkerList">Its worker processes.</param>
/// <param name="Requests">Requests served since the Arbiter started.</param>
/// <param name="Rps">Requests per second over the last 10 s.</param>
/// <param name="Latency">Latency histogram bucket counts (<see cref="AkkaGunicorn.Workers.Observability.LatencyHistogram"/>).</param>
/// <param name="Health">"ok" when every wanted worker serves, "degraded" when some do not, "drained" when it wants none.</param>
/// <param name="At">When it described itself (UTC).</param>
public sealed record NodeState(string Node, IReadOnlyList<string> Roles, int Pid, int Generation, string App, string Config, int Workers,
    IReadOnlyList<NodeWorker> WorkerList, long Requests, double Rps, IReadOnlyList<long> Latency, string Health, DateTime At) : IFleetMessage;

/// <summary>One worker process of a node.</summary>
/// <param name="Pid">Its process id.</param>
/// <param name="Generation">Its generation.</param>
/// <param name="Requests">Requests it served.</param>
/// <param name="ResidentBytes">Its resident memory.</param>
/// <param name="State">"booting" or "serving".</param>
public sealed record NodeWorker(int Pid, int Generation, long Requests, long ResidentBytes, string State) : IFleetMessage;

/// <summary>Command, to the coordinator: reload node by node, <paramref name="Parallel"/> at a time, those of <paramref name="Role"/> (null: all).</summary>
public sealed record RollingReload(string? Role, int Parallel) : IFleetMessage;

/// <summary>Command, to the coordinator: every node (of <paramref name="Role"/>) runs <paramref name="Workers"/> workers.</summary>
public sealed record ScaleFleet(int Workers, string? Role) : IFleetMessage;

/// <summary>Command, to the coordinator: every node (of <paramref name="Role"/>) shuts down gracefully.</summary>
public sealed record ShutdownFleet(string? Role) : IFleetMessage;

/// <summary>Command, to the coordinator: <paramref name="Node"/> stops (or resumes) taking new connections.</summary>
public sealed record DrainFleetNode(string Node, bool Drain) : IFleetMessage;

/// <summary>Reply from the coordinator: the answer to show the operator, as the control socket's JSON.</summary>
public sealed record FleetAnswered(string Json) : IFleetMessage;

/// <summary>What a node is told to do.</summary>
public enum NodeAction
{
    /// <summary>Reload (as HUP): answers once the new generation serves or the reload was abandoned.</summary>
    Reload,
    /// <summary>Run the step's count of workers.</summary>
    Scale,
    /// <summary>Shut down gracefully.</summary>
    Shutdown,
    /// <summary>Stop taking new connections; answer with Connection: close.</summary>
    Drain,
    /// <summary>Take new connections again.</summary>
    Undrain,
}

/// <summary>
/// Command, coordinator → a node's agent. <paramref name="StepId"/> names the step: a node runs each step once, and a
/// repeated one (a coordinator that moved and resumed) is answered with the first run's outcome.
/// </summary>
public sealed record RunStep(string StepId, NodeAction Action, int Count = 0) : IFleetMessage;

/// <summary>Reply, node agent → coordinator: how the step went.</summary>
/// <param name="StepId">The step.</param>
/// <param name="Node">The node, HOST:PORT.</param>
/// <param name="Ok">Whether it did what was asked.</param>
/// <param name="Message">What happened, or why not.</param>
/// <param name="Generation">The node's generation afterwards.</param>
public sealed record StepRan(string StepId, string Node, bool Ok, string Message, int Generation) : IFleetMessage;

/// <summary>
/// Event (replicated state): a rolling reload's progress, so a coordinator that takes over (its predecessor's node
/// died) resumes it instead of starting one of its own or running a node twice.
/// </summary>
/// <param name="Id">The rollout.</param>
/// <param name="Batches">The nodes, HOST:PORT, in the order and groups they reload.</param>
/// <param name="Done">Batches finished.</param>
/// <param name="State">"running", "succeeded" or "failed: why".</param>
/// <param name="ReplyTo">Who asked (an actor path), so that a coordinator that resumes the rollout answers them.</param>
public sealed record RolloutRecord(string Id, IReadOnlyList<IReadOnlyList<string>> Batches, int Done, string State, string? ReplyTo = null) : IFleetMessage;
