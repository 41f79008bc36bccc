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
}

/// <summary>A parsed control command (gunicornc's words).</summary>
/// <param name="Verb">What to do.</param>
/// <param name="Argument">The count, PID, "show" subject or shutdown mode.</param>
public sealed record ControlCommand(ControlVerb Verb, string Argument)
{
    /// <summary>The commands, for <c>help</c> and error answers.</summary>
    public const string Usage = "show all|workers|stats|config|listeners; worker add [N]; worker remove [N]; worker kill PID; " +
                                "reload; reopen; shutdown [graceful|quick]; help";

    private static readonly string[] Subjects = ["all", "workers", "stats", "config", "listeners"];

    /// <summary>Parses a command line; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static ControlCommand Parse(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0) throw new FormatException("empty command; commands: " + Usage);
        string verb = words[0].ToLowerInvariant();
        string? arg = words.Length > 1 ? words[1].ToLowerInvariant() : null;
        int expected = verb == "worker" ? 3 : 2;
        if (words.Length > expected) throw new FormatException($"too many words in '{line}'; commands: {Usage}");
        return verb switch
        {
            "show" => new ControlCommand(ControlVerb.Show, arg is null ? "all" : Subjects.Contains(arg) ? arg
                : throw new FormatException($"show what? '{arg}' is not one of {string.Join(", ", Subjects)}")),
            "worker" => Worker(arg, words.Length > 2 ? words[2] : null),
            "reload" when arg is null => new ControlCommand(ControlVerb.Reload, ""),
            "reopen" when arg is null => new ControlCommand(ControlVerb.Reopen, ""),
            "shutdown" => new ControlCommand(ControlVerb.Shutdown, arg is null or "graceful" ? "graceful" : arg == "quick" ? "quick"
                : throw new FormatException($"shutdown '{arg}': expected graceful or quick")),
            "help" => new ControlCommand(ControlVerb.Help, ""),
            _ => throw new FormatException($"unknown command '{line}'; commands: {Usage}"),
        };
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
