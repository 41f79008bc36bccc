using System.Text.RegularExpressions;

namespace AkkaGunicorn.Arbiter.Settings;

/// <summary>
/// What reference.conf says about each setting: the comment above its key (a key with none shares the one above it,
/// as keyfile shares certfile's) and its default as written. The one place settings are documented, so that --help,
/// which is built from it, cannot drift from it.
/// </summary>
public static partial class ReferenceDocs
{
    /// <summary>A setting's documentation: its comment, joined into one paragraph, and its default as written.</summary>
    public sealed record Entry(string Comment, string Default)
    {
        /// <summary>The comment's first sentence: up to the first ". " or the end.</summary>
        public string Summary
        {
            get
            {
                int end = Comment.IndexOf(". ", StringComparison.Ordinal);
                return end < 0 ? Comment.TrimEnd('.') : Comment[..end];
            }
        }
    }

    /// <summary>The entries of <see cref="SettingsLoader.ReferenceText"/>, by key.</summary>
    public static IReadOnlyDictionary<string, Entry> All { get; } = Parse(SettingsLoader.ReferenceText);

    /// <summary>Reads the comments and defaults of a reference configuration.</summary>
    public static IReadOnlyDictionary<string, Entry> Parse(string text)
    {
        var entries = new Dictionary<string, Entry>();
        var comment = new List<string>();
        string last = "", prefix = "";
        bool inObject = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (inObject)
            {
                inObject = line != "}";
                continue;
            }
            if (line.StartsWith('#'))
            {
                comment.Add(line.TrimStart('#').Trim());
                continue;
            }
            if (prefix.Length > 0 && line == "}")
            {
                prefix = "";
                comment.Clear();
                last = "";
                continue;
            }
            var key = KeyLine().Match(line);
            if (key.Success && key.Groups[2].Value.Trim() == "{" && prefix.Length == 0 && !SettingsCatalog.All.ContainsKey(key.Groups[1].Value))
            {
                // A group of dotted settings (cluster { bind = ... } is cluster.bind): its comment introduces the group.
                prefix = key.Groups[1].Value + ".";
                comment.Clear();
                continue;
            }
            if (!key.Success)
            {
                // A blank line ends a comment that belonged to no key (the file's header).
                comment.Clear();
                last = "";
                continue;
            }
            if (comment.Count > 0) last = string.Join(' ', comment);
            comment.Clear();
            var value = key.Groups[2].Value.Trim();
            if (value.EndsWith('{') && !value.EndsWith('}')) inObject = true;
            entries[prefix + key.Groups[1].Value] = new Entry(last, value.StartsWith('{') || value.EndsWith('{') ? "" : value);
        }
        return entries;
    }

    [GeneratedRegex(@"^([a-z_0-9]+)\s*(?:=\s*)?(.*)$")]
    private static partial Regex KeyLine();
}
