using AkkaGunicorn.Arbiter.Settings;

namespace AkkaGunicorn.Arbiter.Cli;

/// <summary>The parsed command line: a config file, setting overrides (Gunicorn's flags) and the APP.</summary>
public sealed record CommandLine(string? ConfigPath, IReadOnlyDictionary<string, object> Overrides, bool Help, bool Version,
    bool CheckConfig = false, bool PrintConfig = false)
{
    /// <summary>The environment variable read like GUNICORN_CMD_ARGS: flags applied before the real ones.</summary>
    public const string EnvironmentVariable = "AKKAGUNICORN_CMD_ARGS";

    /// <summary>The usage text.</summary>
    public static string Usage => HelpText.Render();

    /// <summary>Parses <see cref="EnvironmentVariable"/> (if set) and then <paramref name="args"/>.</summary>
    public static CommandLine Parse(string[] args, string? environmentArgs)
    {
        var all = ShellWords.Split(environmentArgs ?? "").Concat(args).ToList();
        string? config = null;
        bool help = false, version = false, check = false, print = false;
        var overrides = new Dictionary<string, object>();
        var lists = new Dictionary<string, List<string>>();
        for (int i = 0; i < all.Count; i++)
        {
            var arg = all[i];
            string? inline = null;
            if (arg.StartsWith("--") && arg.IndexOf('=') is var eq and > 2)
            {
                inline = arg[(eq + 1)..];
                arg = arg[..eq];
            }
            string Value()
            {
                if (inline is not null) return inline;
                if (i + 1 >= all.Count) throw new UsageException($"{arg} needs a value");
                return all[++i];
            }
            switch (arg)
            {
                case "-h" or "--help": help = true; continue;
                case "--version": version = true; continue;
                case "--check-config": check = true; continue;
                case "--print-config": print = true; continue;
                case "-c" or "--config": config = Value(); continue;
            }
            if (!arg.StartsWith('-') || arg == "-")
            {
                if (overrides.ContainsKey("app")) throw new UsageException($"only one APP may be given; got '{overrides["app"]}' and '{arg}'");
                overrides["app"] = arg;
                continue;
            }
            var definition = SettingsCatalog.ForFlag(arg)
                ?? throw new UsageException(FlagSuggestion.For(arg) is { } meant
                    ? $"unknown option {arg}; did you mean {meant}? (see --help)"
                    : $"unknown option {arg}; see --help");
            if (definition.Kind == SettingKind.Boolean)
            {
                overrides[definition.Key] = inline ?? "true";
            }
            else if (definition.Kind == SettingKind.List)
            {
                if (!lists.TryGetValue(definition.Key, out var list)) lists[definition.Key] = list = [];
                list.Add(Value());
                overrides[definition.Key] = list;
            }
            else
            {
                overrides[definition.Key] = Value();
            }
        }
        return new CommandLine(config, overrides, help, version, check, print);
    }
}
