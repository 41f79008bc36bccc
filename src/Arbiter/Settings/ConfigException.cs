namespace AkkaGunicorn.Arbiter.Settings;

/// <summary>A setting with a value we cannot use. The message names the key, the value and what is allowed.</summary>
public sealed class ConfigException(string key, string value, string allowed)
    : Exception($"setting '{key}' = '{value}': {allowed}")
{
    /// <summary>The setting's name.</summary>
    public string Key { get; } = key;

    /// <summary>The offending value, as given.</summary>
    public string Value { get; } = value;
}
