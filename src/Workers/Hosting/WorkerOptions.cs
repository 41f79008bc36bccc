using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Workers.Apps;
using AkkaGunicorn.Workers.Boot;

namespace AkkaGunicorn.Workers.Hosting;

/// <summary>
/// A worker's boot record and what the worker made of it before it hosts the app: the app found, the HTTP options
/// built, the certificates loaded, the syslog channel opened, its own recycling policy drawn.
/// </summary>
/// <param name="Boot">What the Arbiter told the worker.</param>
/// <param name="ArbiterPath">The Arbiter actor's remote path, once the Arbiter has given this worker a slot.</param>
/// <param name="App">The app to host.</param>
/// <param name="Http">The HTTP stages' options.</param>
/// <param name="Tls">The server's TLS settings loaded, or null for plain HTTP.</param>
/// <param name="AccessSyslog">The syslog channel access lines go to as well, or null; the access log owns it once the worker runs.</param>
/// <param name="Recycle">When this worker asks to be replaced.</param>
public sealed record WorkerOptions(WorkerBoot Boot, Task<string> ArbiterPath, AppSpec App, HttpServerOptions Http, Tls.ServerTls? Tls, Logging.SyslogWriter? AccessSyslog,
    RecyclePolicy Recycle)
{
    /// <summary>The settings of the worker's generation.</summary>
    public WorkerSettings Settings => Boot.Settings;

    /// <summary>How long to wait for the Arbiter to accept the registration.</summary>
    public TimeSpan RegistrationTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
