using AkkaGunicorn.Arbiter.Settings;

namespace AkkaGunicorn.Arbiter.Cli;

/// <summary>The known flag an unknown one was most likely meant to be ("did you mean"), by edit distance.</summary>
public static class FlagSuggestion
{
    private static readonly string[] CommandFlags = ["--config", "--help", "--version", "--check-config", "--print-config"];

    /// <summary>The closest known flag to <paramref name="flag"/>, or null when none is close enough to be a typo.</summary>
    public static string? For(string flag)
    {
        var known = SettingsCatalog.All.Values.Where(d => d.Group.Length > 0)
            .SelectMany(d => d.Flags.Append("--" + d.Key.Replace('_', '-')))
            .Concat(CommandFlags)
            .Distinct();
        var (best, distance) = known.Select(k => (Flag: k, Distance: Distance(flag, k))).MinBy(c => c.Distance);
        // A third of the flag's letters may be wrong, but at least two (a swap), and never for a one-letter flag.
        return distance <= Math.Max(2, flag.TrimStart('-').Length / 3) && flag.TrimStart('-').Length > 1 ? best : null;
    }

    /// <summary>Damerau-Levenshtein (optimal string alignment) distance: insertions, deletions, changes, swaps.</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
