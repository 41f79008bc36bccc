using AkkaGunicorn.Arbiter.Native;
using AkkaGunicorn.Arbiter.Settings;
using Serilog;

namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>
/// What the kernel's limits cost this configuration, said once at start (Gunicorn's tuning notes): the listen
/// backlog the kernel really grants, and the descriptors the workers may need. The soft descriptor limit is
/// raised to the hard one first (the .NET runtime usually has done so already), so that only a real shortage
/// is reported.
/// </summary>
public static class KernelLimits
{
    // Per worker, beyond its connections: the runtime, Akka.Remote, the listeners, log files, the app's own.
    private const int DescriptorMargin = 128;

    /// <summary>Raises the descriptor limit and logs a warning for each limit the configuration runs into.</summary>
    public static void Check(ServerSettings settings)
    {
        if (ReadNumber("/proc/sys/net/core/somaxconn") is { } somaxconn && settings.Backlog > somaxconn)
            Log.Warning("backlog {Backlog} is capped at {Cap} by net.core.somaxconn; raise it (sysctl -w net.core.somaxconn={Backlog}) for a deeper queue",
                settings.Backlog, somaxconn, settings.Backlog);

        var (before, now) = FileLimit.RaiseToHard();
        if (now > before) Log.Information("Raised the open-file limit (RLIMIT_NOFILE) from {Before} to its hard limit {Now}", before, now);
        long wanted = (long)settings.Workers * settings.WorkerConnections + DescriptorMargin;
        if ((ulong)wanted > now)
            Log.Warning("workers ({Workers}) x worker_connections ({Connections}) plus a margin needs {Wanted} open files, more than the limit {Limit}; " +
                        "raise it (LimitNOFILE= in a systemd unit, or ulimit -n) or connections will fail with EMFILE",
                settings.Workers, settings.WorkerConnections, wanted, now);
    }

    private static long? ReadNumber(string path)
    {
        try
        {
            return long.TryParse(File.ReadAllText(path).Trim(), out var value) ? value : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
