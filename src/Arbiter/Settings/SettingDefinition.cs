using Microsoft.Extensions.Configuration;
namespace AkkaGunicorn.Arbiter.Settings;

/// <summary>One setting: its HOCON key, command-line flags, type and allowed values.</summary>
public sealed record SettingDefinition(string Key, SettingKind Kind, string[] Flags, long Min = 0, long Max = long.MaxValue, string[]? Choices = null,
    Func<long>? Auto = null)
{
    /// <summary>Its section in --help (Gunicorn's settings reference's), or "" for the APP argument.</summary>
    public string Group { get; init; } = "";

    /// <summary>Checks a raw value and returns it normalised, or throws <see cref="ConfigException"/>.</summary>
    public object Validate(object? raw)
    {
        switch (Kind)
        {
            case SettingKind.List:
                // HOCON gives an empty list ([]) no value at all.
                return raw switch
                {
                    IReadOnlyList<string> list => list,
                    null => Array.Empty<string>(),
                    _ => new[] { (string)raw },
                };
            case SettingKind.Map:
                return raw switch
                {
                    IReadOnlyDictionary<string, string> map => map,
                    null => new Dictionary<string, string>(),
                    _ => ParsePairs(AsText(raw)),
                };
            case SettingKind.Tree:
                return raw switch
                {
                    IReadOnlyDictionary<string, string> tree => tree,
                    null => new Dictionary<string, string>(),
                    _ => ParseJson(AsText(raw)),
                };
            case SettingKind.Integer:
            {
                var text = AsText(raw);
                if (Auto is not null && text.Equals("auto", StringComparison.OrdinalIgnoreCase)) return Auto();
                if (!long.TryParse(text, out var n) || n < Min || n > Max)
                    throw new ConfigException(Key, text, (Max == long.MaxValue ? $"expected a whole number of at least {Min}" : $"expected a whole number from {Min} to {Max}")
                        + (Auto is null ? "" : " or 'auto'"));
                return n;
            }
            case SettingKind.Boolean:
            {
                var text = AsText(raw).ToLowerInvariant();
                return text switch
                {
                    "true" or "yes" or "on" or "1" => true,
                    "false" or "no" or "off" or "0" => false,
                    _ => throw new ConfigException(Key, AsText(raw), "expected true or false"),
                };
            }
            case SettingKind.Choice:
            {
                var text = AsText(raw).ToLowerInvariant();
                if (!Choices!.Contains(text)) throw new ConfigException(Key, AsText(raw), $"expected one of: {string.Join(", ", Choices!)}");
                return text;
            }
            default:
                return AsText(raw);
        }
    }

    private Dictionary<string, string> ParsePairs(string text)
    {
        var map = new Dictionary<string, string>();
        string? last = null;
        foreach (var piece in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int equals = piece.IndexOf('=');
            if (equals > 0)
            {
                last = piece[..equals].Trim();
                map[last] = piece[(equals + 1)..].Trim();
            }
            else if (last is not null)
            {
                // A value with commas of its own (CERTFILE,KEYFILE): what follows, up to the next NAME=, is part of it.
                map[last] += "," + piece;
            }
            else
            {
                throw new ConfigException(Key, text, "expected NAME=VALUE pairs separated by commas, or an object such as { \"NAME\" = \"VALUE\" }");
            }
        }
        return map;
    }

    private Dictionary<string, string> ParseJson(string text)
    {
        if (text.Trim().Length == 0) return [];
        try
        {
            // The same flattening the JSON configuration provider does, so a key means what it means in appsettings.json.
            using var json = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
            return new ConfigurationBuilder().AddJsonStream(json).Build().AsEnumerable()
                .Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!);
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidDataException)
        {
            throw new ConfigException(Key, text, $"expected a JSON object such as {{\"MinimumLevel\": \"Debug\"}} ({e.Message})");
        }
    }

    private string AsText(object? raw) => raw switch
    {
        null => "",
        string s => s,
        IReadOnlyList<string> list => throw new ConfigException(Key, "[" + string.Join(", ", list) + "]", $"expected a single {Kind.ToString().ToLowerInvariant()} value, not a list"),
        _ => raw.ToString() ?? "",
    };
}
