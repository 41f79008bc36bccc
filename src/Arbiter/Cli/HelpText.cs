using System.Text;
using AkkaGunicorn.Arbiter.Settings;

namespace AkkaGunicorn.Arbiter.Cli;

/// <summary>
/// --help, as Gunicorn's: every flag in its settings group with its value placeholder, what it does (the first sentence
/// of its reference.conf comment) and its default (as reference.conf writes it), so the help and the reference cannot
/// disagree.
/// </summary>
public static class HelpText
{
    private const int FlagColumn = 34, Width = 118;

    /// <summary>The whole help text.</summary>
    public static string Render()
    {
        var text = new StringBuilder();
        text.AppendLine($"""
            usage: akkagunicorn [OPTIONS] APP
                   akkagunicorn -c server.hocon [OPTIONS] [APP]

            APP is PATH/TO/Assembly.dll[:Namespace.Type], an assembly with a class implementing
            AkkaGunicorn.Http.App.IHttpApp, or PATH/TO/MyWebApp.dll, an ordinary ASP.NET Core app.
            Flags override the configuration file; {CommandLine.EnvironmentVariable} holds flags applied before them
            (split as a shell would). `akkagunicorn ctl --help` lists the control commands.

            Config:
            """);
        Line(text, "-c, --config FILE", "HOCON configuration file; every setting, its default and meaning are in reference.conf", null);
        Line(text, "--check-config", "Check the configuration and the app, then exit 0 (valid) or 1", null);
        Line(text, "--print-config", "Print the effective configuration as HOCON and exit", null);
        Line(text, "-h, --help", "Show this help and exit", null);
        Line(text, "--version", "Show the version and exit", null);
        foreach (var group in SettingsCatalog.Groups)
        {
            text.AppendLine().Append(group).AppendLine(":");
            foreach (var setting in SettingsCatalog.All.Values.Where(d => d.Group == group))
            {
                var docs = ReferenceDocs.All.GetValueOrDefault(setting.Key);
                Line(text, Flags(setting), docs?.Summary ?? "", DefaultOf(setting, docs));
            }
        }
        return text.ToString();
    }

    /// <summary>The flags and the value placeholder, e.g. <c>-w, --workers INT</c>.</summary>
    public static string Flags(SettingDefinition setting)
    {
        var flags = setting.Flags.Length > 0 ? setting.Flags : ["--" + setting.Key.Replace('_', '-')];
        var placeholder = setting.Kind switch
        {
            SettingKind.Boolean => "",
            SettingKind.Integer => setting.Auto is null ? " INT" : " INT|auto",
            SettingKind.Choice => " {" + string.Join(',', setting.Choices!) + "}",
            SettingKind.Map => " NAME=VALUE,...",
            SettingKind.Tree => " JSON",
            _ => " " + setting.Key.ToUpperInvariant(),
        };
        return string.Join(", ", flags) + placeholder;
    }

    private static string? DefaultOf(SettingDefinition setting, ReferenceDocs.Entry? docs)
    {
        if (setting.Kind is SettingKind.Map or SettingKind.Tree)
            return SettingsLoader.Load(null, new Dictionary<string, object>()).Values[setting.Key] is IReadOnlyDictionary<string, string> { Count: > 0 } map
                ? string.Join(",", map.Select(kv => $"{kv.Key}={kv.Value}"))
                : "none";
        return docs?.Default switch
        {
            null => null,
            "\"\"" or "[]" => "none",
            var value => value,
        };
    }

    private static void Line(StringBuilder text, string flags, string meaning, string? @default)
    {
        var described = @default is null ? meaning : $"{meaning} [{@default}]";
        text.Append("  ").Append(flags);
        if (flags.Length + 2 >= FlagColumn) text.AppendLine().Append(' ', FlagColumn);
        else text.Append(' ', FlagColumn - flags.Length - 2);
        // Wrapped at word boundaries to the width, continuation lines under the first.
        int column = FlagColumn;
        foreach (var word in described.Split(' '))
        {
            if (column > FlagColumn && column + 1 + word.Length > Width)
            {
                text.AppendLine().Append(' ', FlagColumn);
                column = FlagColumn;
            }
            else if (column > FlagColumn)
            {
                text.Append(' ');
                column++;
            }
            text.Append(word);
            column += word.Length;
        }
        text.AppendLine();
    }
}
