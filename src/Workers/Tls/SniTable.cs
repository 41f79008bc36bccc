namespace AkkaGunicorn.Workers.Tls;

/// <summary>
/// Picks what to serve for the host name a TLS client asks for (SNI): an exact name first (case does not matter), then
/// a wildcard <c>*.example.com</c>, which covers one label (<c>a.example.com</c>, not <c>example.com</c> nor
/// <c>a.b.example.com</c>), as certificates' wildcards do.
/// </summary>
public sealed class SniTable<T>(IReadOnlyDictionary<string, T> byName) where T : class
{
    private readonly Dictionary<string, T> _exact = byName.Where(e => !e.Key.StartsWith("*.", StringComparison.Ordinal))
        .ToDictionary(e => e.Key.TrimEnd('.'), e => e.Value, StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, T> _wildcard = byName.Where(e => e.Key.StartsWith("*.", StringComparison.Ordinal))
        .ToDictionary(e => e.Key[2..].TrimEnd('.'), e => e.Value, StringComparer.OrdinalIgnoreCase);

    /// <summary>What <paramref name="hostName"/> gets, or null when no entry covers it (serve the default).</summary>
    public T? Find(string? hostName)
    {
        if (string.IsNullOrEmpty(hostName)) return null;
        hostName = hostName.TrimEnd('.');
        if (_exact.TryGetValue(hostName, out var exact)) return exact;
        int dot = hostName.IndexOf('.');
        return dot > 0 && _wildcard.TryGetValue(hostName[(dot + 1)..], out var wildcard) ? wildcard : null;
    }

    /// <summary>Whether <paramref name="name"/> can be an entry: a host name, or <c>*.</c> and a host name.</summary>
    public static bool IsPattern(string name)
    {
        var host = name.StartsWith("*.", StringComparison.Ordinal) ? name[2..] : name;
        return host.Length is > 0 and <= 253
            && host.Split('.').All(label => label.Length is > 0 and <= 63 && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));
    }
}
