using AkkaGunicorn.Workers.Apps;
using AkkaGunicorn.Workers.Protocol;
using AkkaGunicorn.Workers.Sockets;

namespace AkkaGunicorn.Workers.Boot;

/// <summary>
/// Everything a worker process is told at start, in one record: who it is, what it inherited, its secrets, and its
/// typed settings. The Arbiter writes it into the worker's <see cref="BootChannel"/>, which the worker reads first
/// thing. Nothing goes through argv or the environment, which other processes of the worker's user can read
/// (<c>/proc/PID/environ</c>) and which the app could read back: the environment only names the channel's descriptor.
/// </summary>
public sealed record WorkerBoot
{
    /// <summary>The worker's own token.</summary>
    public required WorkerSecrets Secrets { get; init; }

    /// <summary>The Arbiter's process id.</summary>
    public required int ArbiterPid { get; init; }

    /// <summary>The configuration generation.</summary>
    public required int Generation { get; init; }

    /// <summary>The worker's slot number (its age, for hooks).</summary>
    public required int Slot { get; init; }

    /// <summary>The lifeline pipe's read end: end of file there means the Arbiter is gone.</summary>
    public required int LifelineDescriptor { get; init; }

    /// <summary>The shared load board's inherited descriptor, or null to accept without balancing.</summary>
    public int? BoardDescriptor { get; init; }

    /// <summary>This worker's entry on the board.</summary>
    public int BoardEntry { get; init; }

    /// <summary>The uid:gid to drop to before the app is loaded, when the Arbiter runs as root; null otherwise.</summary>
    public string? Identity { get; init; }

    /// <summary>
    /// The app's kind as the Arbiter read it from the app's metadata, or null for the worker to read it: reading it
    /// again put System.Reflection.Metadata (1.1 MB) and 10-15 ms into every worker's start.
    /// </summary>
    public AppKind? AppKind { get; init; }

    /// <summary>The listening sockets inherited from the Arbiter.</summary>
    public required IReadOnlyList<InheritedListener> Listeners { get; init; }

    /// <summary>The settings this worker's generation runs with.</summary>
    public required WorkerSettings Settings { get; init; }
}
