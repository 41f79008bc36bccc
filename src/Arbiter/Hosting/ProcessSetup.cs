using AkkaGunicorn.Arbiter.Native;
using AkkaGunicorn.Arbiter.Settings;

namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>
/// Where and how the Arbiter (and so every worker it starts, which inherits it) runs: working directory,
/// file-creation mask, extra environment, process name.
/// </summary>
public static class ProcessSetup
{
    /// <summary>The kernel keeps at most this many bytes of a process name (TASK_COMM_LEN - 1).</summary>
    private const int NameLength = 15;

    /// <summary>Applies chdir, umask and raw_env, and names the process. Throws <see cref="ConfigException"/>.</summary>
    public static void Apply(ServerSettings settings)
    {
        if (settings.Chdir is { } directory)
        {
            if (!Directory.Exists(directory)) throw new ConfigException("chdir", directory, "no such directory");
            Directory.SetCurrentDirectory(directory);
        }
        if (settings.Umask is { } mask) Accounts.SetUmask(mask);
        ApplyEnvironment(settings);
        Name(settings.ProcName);
    }

    /// <summary>Sets raw_env in this process, for the workers it starts from now on (also on reload).</summary>
    public static void ApplyEnvironment(ServerSettings settings)
    {
        foreach (var (key, value) in settings.RawEnv) Environment.SetEnvironmentVariable(key, value);
    }

    /// <summary>Names this process (what ps -o comm, top and pgrep show).</summary>
    public static void Name(string name)
    {
        try
        {
            File.WriteAllText("/proc/self/comm", name.Length > NameLength ? name[..NameLength] : name);
        }
        catch (IOException)
        {
            // Not Linux, or /proc is not mounted: the name is cosmetic.
        }
    }
}
