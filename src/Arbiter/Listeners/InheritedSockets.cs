namespace AkkaGunicorn.Arbiter.Listeners;

/// <summary>Where an Arbiter's listening sockets came from when it did not bind them itself.</summary>
public enum SocketOrigin
{
    /// <summary>systemd socket activation (LISTEN_FDS, LISTEN_PID).</summary>
    Systemd,

    /// <summary>The Arbiter this one upgrades (USR2).</summary>
    Upgrade,
}

/// <summary>
/// Finds listening sockets handed to this process at exec: by the Arbiter it replaces on USR2 (our own
/// variable), or by systemd's socket activation (sd_listen_fds(3): descriptors from 3, for LISTEN_PID only).
/// The variables are removed once read, so that no child takes them for its own.
/// </summary>
public static class InheritedSockets
{
    /// <summary>The variable an upgrading Arbiter sets for its successor: the descriptor numbers, comma-separated.</summary>
    public const string UpgradeVariable = "AKKAGUNICORN_UPGRADE_FDS";
    private const int ListenFdsStart = 3;

    /// <summary>The inherited descriptors and their origin, or null when this process is to bind its own.</summary>
    public static (IReadOnlyList<int> Descriptors, SocketOrigin Origin)? Take()
    {
        try
        {
            if (Environment.GetEnvironmentVariable(UpgradeVariable) is { Length: > 0 } upgrade)
                return (upgrade.Split(',').Select(int.Parse).ToList(), SocketOrigin.Upgrade);
            if (Environment.GetEnvironmentVariable("LISTEN_PID") == Environment.ProcessId.ToString()
                && int.TryParse(Environment.GetEnvironmentVariable("LISTEN_FDS"), out int count) && count > 0)
                return (Enumerable.Range(ListenFdsStart, count).ToList(), SocketOrigin.Systemd);
            return null;
        }
        finally
        {
            foreach (var name in new[] { UpgradeVariable, "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES" })
                Environment.SetEnvironmentVariable(name, null);
        }
    }
}
