namespace AkkaGunicorn.Arbiter.Control;

/// <summary>What a control command asks for.</summary>
public enum ControlVerb
{
    /// <summary><c>show all|workers|stats|config|listeners</c>.</summary>
    Show,
    /// <summary><c>worker add [N]</c>.</summary>
    WorkerAdd,
    /// <summary><c>worker remove [N]</c>.</summary>
    WorkerRemove,
    /// <summary><c>worker kill PID</c>.</summary>
    WorkerKill,
    /// <summary><c>reload</c>.</summary>
    Reload,
    /// <summary><c>reopen</c>.</summary>
    Reopen,
    /// <summary><c>shutdown [graceful|quick]</c>.</summary>
    Shutdown,
    /// <summary><c>help</c>.</summary>
    Help,
    /// <summary><c>drain</c>: stop taking connections, let the workers finish, keep the Arbiter.</summary>
    Drain,
    /// <summary><c>undrain</c>: take connections again.</summary>
    Undrain,
    /// <summary><c>show cluster [stats]</c>: the fleet, from this node's view.</summary>
    ShowCluster,
    /// <summary><c>cluster reload [--role R] [--parallel N]</c>: a rolling reload of the fleet.</summary>
    ClusterReload,
    /// <summary><c>cluster scale N [--role R]</c>: every node runs N workers.</summary>
    ClusterScale,
    /// <summary><c>cluster shutdown [--role R]</c>: every node shuts down gracefully.</summary>
    ClusterShutdown,
    /// <summary><c>cluster drain NODE</c>: the node stops taking new connections and lets its clients go.</summary>
    ClusterDrain,
    /// <summary><c>cluster undrain NODE</c>: the node takes connections again.</summary>
    ClusterUndrain,
}

/// <summary>A parsed control command (gunicornc's words).</summary>
/// <param name="Verb">What to do.</param>
/// <param name="Argument">The count, PID, "show" subject or shutdown mode.</param>
public sealed record ControlCommand(ControlVerb Verb, string Argument)
{
    /// <summary>The commands, for <c>help</c> and error answers.</summary>
    public const string Usage = "show all|workers|stats|config|listeners|cluster [stats]; worker add [N]; worker remove [N]; worker kill PID; " +
                                "reload; reopen; drain; undrain; shutdown [graceful|quick]; cluster reload [--role R] [--parallel N]; cluster scale N [--role R]; " +
                                "cluster shutdown [--role R]; cluster drain NODE; cluster undrain NODE; help";

    /// <summary>For a cluster command: the role whose nodes it touches, or null for every node.</summary>
    public string? Role { get; init; }

    /// <summary>For <c>cluster reload</c>: how many nodes reload at once.</summary>
    public int Parallel { get; init; } = 1;

    /// <summary>Whether the fleet, not this server alone, answers it.</summary>
    public bool IsCluster => Verb is ControlVerb.ShowCluster or ControlVerb.ClusterReload or ControlVerb.ClusterScale or ControlVerb.ClusterShutdown
        or ControlVerb.ClusterDrain or ControlVerb.ClusterUndrain;

    private static readonly string[] Subjects = ["all", "workers", "stats", "config", "listeners"];

    /// <summary>Parses a command line; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static ControlCommand Parse(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0) throw new FormatException("empty command; commands: " + Usage);
        string verb = words[0].ToLowerInvariant();
        string? arg = words.Length > 1 ? words[1].ToLowerInvariant() : null;
        if (verb == "cluster") return Cluster(words[1..], line);
        if (verb == "show" && arg == "cluster")
            return words.Length switch
            {
                2 => new ControlCommand(ControlVerb.ShowCluster, ""),
                3 when words[2].Equals("stats", StringComparison.OrdinalIgnoreCase) => new ControlCommand(ControlVerb.ShowCluster, "stats"),
                _ => throw new FormatException($"show cluster '{string.Join(' ', words[2..])}': expected 'show cluster' or 'show cluster stats'"),
            };
        int expected = verb == "worker" ? 3 : 2;
        if (words.Length > expected) throw new FormatException($"too many words in '{line}'; commands: {Usage}");
        return verb switch
        {
            "show" => new ControlCommand(ControlVerb.Show, arg is null ? "all" : Subjects.Contains(arg) ? arg
                : throw new FormatException($"show what? '{arg}' is not one of {string.Join(", ", Subjects)}")),
            "worker" => Worker(arg, words.Length > 2 ? words[2] : null),
            "reload" when arg is null => new ControlCommand(ControlVerb.Reload, ""),
            "reopen" when arg is null => new ControlCommand(ControlVerb.Reopen, ""),
            "drain" when arg is null => new ControlCommand(ControlVerb.Drain, ""),
            "undrain" when arg is null => new ControlCommand(ControlVerb.Undrain, ""),
            "shutdown" => new ControlCommand(ControlVerb.Shutdown, arg is null or "graceful" ? "graceful" : arg == "quick" ? "quick"
                : throw new FormatException($"shutdown '{arg}': expected graceful or quick")),
            "help" => new ControlCommand(ControlVerb.Help, ""),
            _ => throw new FormatException($"unknown command '{line}'; commands: {Usage}"),
        };
    }

    private static ControlCommand Cluster(string[] words, string line)
    {
        const string usage = "cluster reload [--role R] [--parallel N]; cluster scale N [--role R]; cluster shutdown [--role R]; " +
                             "cluster drain NODE; cluster undrain NODE";
        if (words.Length == 0) throw new FormatException($"cluster what? expected {usage}");
        string action = words[0].ToLowerInvariant();
        string? role = null, count = null;
        bool drain = action is "drain" or "undrain";
        int parallel = 1;
        for (int i = 1; i < words.Length; i++)
        {
            switch (words[i])
            {
                case "--role" when i + 1 < words.Length:
                    role = words[++i];
                    break;
                case "--parallel" when i + 1 < words.Length && action == "reload":
                    if (!int.TryParse(words[++i], out parallel) || parallel is < 1 or > 1000)
                        throw new FormatException($"cluster reload --parallel '{words[i]}': expected a count from 1 to 1000");
                    break;
                default:
                    if ((action == "scale" || drain) && count is null && !words[i].StartsWith('-')) { count = words[i]; break; }
                    throw new FormatException($"'{line}': unexpected '{words[i]}'; expected {usage}");
            }
        }
        switch (action)
        {
            case "reload": return new ControlCommand(ControlVerb.ClusterReload, "") { Role = role, Parallel = parallel };
            case "shutdown": return new ControlCommand(ControlVerb.ClusterShutdown, "") { Role = role };
            case "scale":
                if (count is null || !int.TryParse(count, out var workers) || workers is < 1 or > 1024)
                    throw new FormatException($"cluster scale '{count}': expected a worker count from 1 to 1024");
                return new ControlCommand(ControlVerb.ClusterScale, workers.ToString()) { Role = role };
            case "drain" or "undrain":
                if (count is null || role is not null)
                    throw new FormatException($"cluster {action} what? expected 'cluster {action} NODE' with the node's HOST:PORT as 'show cluster' lists it");
                return new ControlCommand(action == "drain" ? ControlVerb.ClusterDrain : ControlVerb.ClusterUndrain, count);
            default: throw new FormatException($"cluster '{words[0]}': expected {usage}");
        }
    }

    private static ControlCommand Worker(string? action, string? value)
    {
        switch (action)
        {
            case "add" or "remove":
                int count = 1;
                if (value is not null && (!int.TryParse(value, out count) || count < 1 || count > 1024))
                    throw new FormatException($"worker {action} '{value}': expected a count from 1 to 1024");
                return new ControlCommand(action == "add" ? ControlVerb.WorkerAdd : ControlVerb.WorkerRemove, count.ToString());
            case "kill":
                if (value is null || !int.TryParse(value, out var pid) || pid <= 0) throw new FormatException($"worker kill '{value}': expected a PID");
                return new ControlCommand(ControlVerb.WorkerKill, pid.ToString());
            default:
                throw new FormatException($"worker '{action}': expected add, remove or kill");
        }
    }
}
