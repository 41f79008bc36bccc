using AkkaGunicorn.Arbiter.Native;
using AkkaGunicorn.Arbiter.Observability;
using AkkaGunicorn.Workers.Apps;
using AkkaGunicorn.Workers.Boot;
using AkkaGunicorn.Workers.Hosting;
using AkkaGunicorn.Workers.Tls;
using Serilog;

namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>
/// The binary in worker mode: reads its boot record, sets up logging, loads its certificates, drops privileges,
/// finds the app, and hosts it. Each step that fails exits with Gunicorn's boot or app-load code, which the Arbiter
/// reads as "this worker cannot start" rather than as a crash.
/// </summary>
public static class WorkerEntry
{
    /// <summary>Runs the worker; returns its exit code.</summary>
    public static async Task<int> RunAsync()
    {
        // First of all, before anything of the app's can run: take the record (and its secrets) out of the boot
        // channel, which no process the app starts may inherit. The Arbiter's path follows when this worker has a slot.
        WorkerBoot boot;
        Task<string> arbiterPath;
        try
        {
            var channel = BootChannel.FromEnvironment();
            boot = channel.ReadRecord();
            // Still before anything uses the thread pool.
            if (!boot.Settings.ThreadPoolSpins) ThreadPoolSpin.TurnOffUnlessChosen();
            Libc.SetCloseOnExec(channel.Descriptor);
            arbiterPath = channel.ReadArbiterPathAsync();
        }
        catch (Exception e) when (e is System.Runtime.Serialization.SerializationException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"Error: this process was not started by an Arbiter ({e.Message})");
            return WorkerExit.BootError;
        }
        var settings = boot.Settings;
        await using var statsd = ProcessLogging.OpenStatsd(settings.StatsdHost, settings.StatsdPrefix, settings.DogstatsdTags);
        try
        {
            ProcessLogging.Configure(settings.Log, settings.Syslog, statsd);
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"Error: {settings.Log.ConfigDescription}: {e.Message}");
            return WorkerExit.BootError;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"Error: errorlog: {e.Message}");
            return WorkerExit.BootError;
        }
        ProcessSetup.Name(settings.ProcName);
        ServerTls? tls;
        try
        {
            // Before dropping privileges: a private key only the Arbiter's user may read is the usual setup.
            tls = settings.Tls?.Load();
        }
        catch (TlsConfigurationException e)
        {
            Log.Error("Cannot serve TLS: {Error}", e.Message);
            return WorkerExit.BootError;
        }
        if (boot.Identity is { Length: > 0 } identity)
        {
            // Before the app is loaded: nothing of the app's runs with the Arbiter's privileges.
            try
            {
                var who = WorkerIdentity.Parse(identity);
                Accounts.Become(who.Uid, who.Gid);
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or FormatException)
            {
                Log.Error("Cannot run as {Identity}: {Error}", identity, e.Message);
                return WorkerExit.BootError;
            }
        }
        AppSpec app;
        try
        {
            app = AppSpec.Parse(settings.App, Environment.CurrentDirectory);
        }
        catch (AppLoadException e)
        {
            Log.Error("{Message}", e.Message);
            return WorkerExit.AppLoadError;
        }
        if (tls is null && boot.Listeners.FirstOrDefault(l => l.Tls) is { } secure)
        {
            Log.Error("Cannot serve {Url}: no certificate (certfile) is configured", secure.Url);
            return WorkerExit.BootError;
        }
        var options = new WorkerOptions(boot, arbiterPath, app, settings.Http.ToOptions(), tls, settings.Syslog is { Access: true } syslog ? syslog.Open("access") : null,
            settings.Recycle.Draw(Random.Shared));
        using var traces = RequestTraceExport.Start(settings.OtlpEndpoint, settings.ProcName);
        return await WorkerHost.RunAsync(options, statsd);
    }
}
