using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Workers.Apps;
using AkkaGunicorn.Workers.Sockets;

namespace AkkaGunicorn.Workers.Hosting;

/// <summary>Everything a worker process needs, built by the binary's entry point from its environment.</summary>
public sealed record WorkerOptions
{
    /// <summary>The app to host.</summary>
    public required AppSpec App { get; init; }

    /// <summary>HTTP settings.</summary>
    public required HttpServerOptions Http { get; init; }

    /// <summary>Most concurrent connections (<c>worker_connections</c>).</summary>
    public int WorkerConnections { get; init; } = 1000;

    /// <summary>The listening sockets inherited from the Arbiter.</summary>
    public required IReadOnlyList<InheritedListener> Listeners { get; init; }

    /// <summary>The Arbiter actor's remote path.</summary>
    public required string ArbiterPath { get; init; }

    /// <summary>The worker's token and the run's credentials, read from its boot channel.</summary>
    public required Protocol.WorkerSecrets Secrets { get; init; }

    /// <summary>The configuration generation.</summary>
    public int Generation { get; init; }

    /// <summary>The lifeline pipe's read end, or -1.</summary>
    public int LifelineDescriptor { get; init; } = -1;

    /// <summary>Listen on a SO_REUSEPORT socket of this worker's own for each TCP address.</summary>
    public bool ReusePort { get; init; }

    /// <summary>The listen backlog, for sockets the worker binds itself.</summary>
    public int Backlog { get; init; } = 2048;

    /// <summary>The access log: null for none, "-" for stdout, or a path.</summary>
    public string? AccessLog { get; init; }

    /// <summary>The syslog channel access log lines go to as well, or null; the access log owns it once the worker runs.</summary>
    public Logging.SyslogWriter? AccessSyslog { get; init; }

    /// <summary>The access log line format.</summary>
    public string AccessLogFormat { get; init; } = Observability.AccessLogFormat.Default;

    /// <summary>The Arbiter's process id.</summary>
    public int ArbiterPid { get; init; }

    /// <summary>The worker's slot number (its age, for hooks).</summary>
    public int Age { get; init; }

    /// <summary>The shared load board's inherited descriptor, or null to accept without balancing.</summary>
    public int? BoardDescriptor { get; init; }

    /// <summary>This worker's entry on the board.</summary>
    public int BoardEntry { get; init; }

    /// <summary>Requests after which the worker asks to be replaced (<c>max_requests</c> plus jitter); 0 never.</summary>
    public long MaxRequests { get; init; }

    /// <summary>How long in-flight requests get when this worker is sent TERM directly (<c>graceful_timeout</c>).</summary>
    public TimeSpan GracefulTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often to heartbeat while there is news (requests, connections).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest an idle worker stays silent: well within the Arbiter's <c>timeout</c>.</summary>
    public TimeSpan MaxSilence { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait for the Arbiter to accept the registration.</summary>
    public TimeSpan RegistrationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The server's TLS settings, or null for plain HTTP.</summary>
    public Tls.ServerTls? Tls { get; init; }
}
