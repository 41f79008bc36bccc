using System.Net.Sockets;
using AkkaGunicorn.Arbiter.Cli;
using AkkaGunicorn.Arbiter.Control;
using AkkaGunicorn.Arbiter.Fleet;
using AkkaGunicorn.Arbiter.Hooks;
using AkkaGunicorn.Arbiter.Hosting;
using AkkaGunicorn.Arbiter.Listeners;
using AkkaGunicorn.Arbiter.Native;
using AkkaGunicorn.Arbiter.Observability;
using AkkaGunicorn.Arbiter.Settings;
using AkkaGunicorn.Http.Hooks;
using AkkaGunicorn.Workers.Apps;
using AkkaGunicorn.Workers.Balance;
using AkkaGunicorn.Workers.Hosting;
using AkkaGunicorn.Workers.Logging;
using AkkaGunicorn.Workers.Observability;
using AkkaGunicorn.Workers.Protocol;
using AkkaGunicorn.Workers.Sockets;
using Serilog;

namespace AkkaGunicorn.Arbiter;

/// <summary>
/// The one executable. As the Arbiter: <c>AkkaGunicorn [-c server.hocon] [flags] APP</c>. As a worker (started by the
/// Arbiter, with its boot record): the same binary in worker mode, see <see cref="WorkerEntry"/>.
/// </summary>
public static class Program
{
    /// <summary>Exit code for a configuration or command-line error.</summary>
    public const int ConfigErrorExitCode = 1;

    /// <summary>Entry point.</summary>
    public static async Task<int> Main(string[] args)
    {
        // Before anything uses the thread pool: its threads spin (sched_yield) after each piece of work before they
        // sleep, which was a third of an idle Arbiter's CPU. The Arbiter carries no load; a worker decides once it has
        // read its boot record (see ThreadPoolSpin).
        if (args is not [ThisExecutable.WorkerArgument]) ThreadPoolSpin.TurnOffUnlessChosen();
        try
        {
            return args switch
            {
                [ThisExecutable.WorkerArgument] => await WorkerEntry.RunAsync(),
                ["ctl", .. var rest] => await ControlClient.RunAsync(rest),
                _ => await RunArbiterAsync(args),
            };
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }

    private static async Task<int> RunArbiterAsync(string[] args)
    {
        ServerSettings settings;
        AppSpec app;
        CommandLine commandLine;
        try
        {
            commandLine = CommandLine.Parse(args, Environment.GetEnvironmentVariable(CommandLine.EnvironmentVariable));
            if (commandLine.Help) { Console.WriteLine(CommandLine.Usage); return 0; }
            if (commandLine.Version) { Console.WriteLine($"AkkaGunicorn {typeof(Program).Assembly.GetName().Version}"); return 0; }
            settings = SettingsLoader.Load(commandLine.ConfigPath, commandLine.Overrides);
        }
        catch (Exception e) when (e is UsageException or ConfigException)
        {
            Console.Error.WriteLine($"Error: {e.Message}");
            return ConfigErrorExitCode;
        }
        if (commandLine.PrintConfig)
        {
            Console.Write(SettingsLoader.ToHocon(settings));
            return 0;
        }
        await using var statsd = ProcessLogging.OpenStatsd(settings.StatsdHost, settings.StatsdPrefix, settings.DogstatsdTags);
        try
        {
            ProcessLogging.Configure(settings.Log, settings.Syslog, statsd);
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"Error: {settings.DescribeLogConfig()}: {e.Message}");
            return ConfigErrorExitCode;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"Error: setting 'errorlog' = '{settings.ErrorLog}': {e.Message}");
            return ConfigErrorExitCode;
        }
        WorkerIdentity? identity;
        FleetCredentials? fleetCredentials;
        try
        {
            ProcessSetup.Apply(settings);
            identity = WorkerIdentity.Resolve(settings);
            // Refuse a certificate that cannot serve now, not in every worker later.
            settings.LoadTls();
            fleetCredentials = settings.Cluster is { } cluster ? FleetCredentials.Load(cluster) : null;
        }
        catch (ConfigException e)
        {
            Console.Error.WriteLine($"Error: {e.Message}");
            return ConfigErrorExitCode;
        }
        IServerHooks? serverHooks;
        try
        {
            // Fail on a broken app now, before anything is bound or spawned. The hooks run in this process too.
            app = AppSpec.Parse(settings.App, Environment.CurrentDirectory);
            serverHooks = AppLoader.Open(app, collectible: true).CreateHooks();
        }
        catch (AppLoadException e)
        {
            Console.Error.WriteLine($"Error: {e.Message}");
            return commandLine.CheckConfig ? ConfigErrorExitCode : WorkerExit.AppLoadError;
        }
        if (commandLine.CheckConfig)
        {
            Console.WriteLine($"Configuration OK; app {app}");
            return 0;
        }
        var effective = WithApp(settings, app);

        PidFile? pidFile = null;
        if (settings.PidFile is { } pidPath)
        {
            try
            {
                pidFile = PidFile.Claim(pidPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"Error: {e.Message}");
                return ConfigErrorExitCode;
            }
        }
        using var ownedPidFile = pidFile;
        var hooks = new ArbiterHooks(serverHooks, new ArbiterInfo(Environment.ProcessId, settings.Workers,
            settings.BindTexts, Generation: 1));
        try
        {
            hooks.OnStarting();
        }
        catch (Exception e)
        {
            Log.Fatal(e, "Exception in on_starting hook; not starting");
            return ConfigErrorExitCode;
        }
        string? controlPath = null;
        try
        {
            if (settings.ControlSocket is { } configured) controlPath = ControlSocketPath.Prepare(configured, settings.ProcName);
        }
        catch (ConfigException e)
        {
            Console.Error.WriteLine($"Error: {e.Message}");
            return ConfigErrorExitCode;
        }
        KernelLimits.Check(settings);
        ListenerSet listeners;
        var inherited = InheritedSockets.Take();
        try
        {
            listeners = inherited is { } given
                ? ListenerSet.Adopt(given.Descriptors, ownUnixFiles: given.Origin == SocketOrigin.Upgrade, settings.TlsFor)
                : ListenerSet.Bind(settings.Binds, settings.Backlog, settings.ReusePort, settings.UnixSocketMode);
        }
        catch (Exception e) when (e is SocketException or System.ComponentModel.Win32Exception)
        {
            Console.Error.WriteLine(inherited is { } given
                ? $"Error: the listening sockets inherited from {given.Origin} (descriptors {string.Join(",", given.Descriptors)}) are unusable: {e.Message}"
                : $"Error: {e.Message}");
            return ConfigErrorExitCode;
        }
        using (listeners)
        {
            Log.Information("Starting AkkaGunicorn {Version}", typeof(Program).Assembly.GetName().Version);
            string origin = inherited is { } from ? $", inherited from {(from.Origin == SocketOrigin.Systemd ? "systemd" : "the upgraded Arbiter")}" : "";
            foreach (var url in listeners.Urls)
                Log.Information("Listening at: {Url} ({Pid}{Origin})", url, Environment.ProcessId, origin);
            Log.Information("Using worker: akka.streams ({App})", app);
            var upgrade = new BinaryUpgrade(listeners, args, ownedPidFile);
            hooks.Listening(listeners.Names);
            var control = controlPath is null ? null : new ControlEndpoint(controlPath, settings.ControlSocketMode, TakeOver: inherited?.Origin == SocketOrigin.Upgrade);
            int code = await ArbiterHost.RunAsync(effective, listeners, () => Reread(commandLine, effective, hooks), upgrade, identity, hooks, statsd, control, fleetCredentials,
                succeeding: inherited?.Origin == SocketOrigin.Upgrade);
            await hooks.OnExitAsync();
            return code;
        }
    }

    /// <summary>
    /// Reads the configuration again for a reload and checks the app, as at start. Throws when either is
    /// unusable. Listening addresses are the Arbiter's for its lifetime: a changed bind is reported and kept.
    /// </summary>
    private static ServerSettings Reread(CommandLine commandLine, ServerSettings running, ArbiterHooks hooks)
    {
        var settings = SettingsLoader.Load(commandLine.ConfigPath, commandLine.Overrides);
        var app = AppSpec.Parse(settings.App, Environment.CurrentDirectory);
        hooks.Replace(AppLoader.Open(app, collectible: true).CreateHooks());
        var binds = running.BindTexts;
        if (!settings.BindTexts.SequenceEqual(binds))
            Log.Warning("bind changed to {New}; the listening sockets stay {Old} until a restart", settings.BindTexts, binds);
        var values = new Dictionary<string, object>(settings.Values) { ["bind"] = binds };
        // A certificate that cannot serve refuses the reload here, so the running workers keep the one they have.
        settings.LoadTls();
        ProcessSetup.ApplyEnvironment(settings);
        return WithApp(settings with { Values = values }, app);
    }

    private static ServerSettings WithApp(ServerSettings settings, AppSpec app) => settings with
    {
        Values = new Dictionary<string, object>(settings.Values) { ["app"] = app.ToString() },
    };
}
