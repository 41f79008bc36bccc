using System.Text;

namespace AkkaGunicorn.Arbiter.Cli;

/// <summary>
/// Splits a command line into words as Python's <c>shlex.split</c> does, which is how Gunicorn splits
/// GUNICORN_CMD_ARGS (a POSIX shell's rules, without expansions): blanks separate words; single quotes keep everything
/// literal; double quotes keep blanks, and a backslash in them escapes only <c>\</c> and <c>"</c>; outside quotes a
/// backslash escapes any character.
/// </summary>
public static class ShellWords
{
    /// <summary>The words of <paramref name="text"/>. Throws <see cref="UsageException"/> for an unclosed quote.</summary>
    public static IReadOnlyList<string> Split(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case ' ' or '\t' or '\n' or '\r':
                    if (inWord) words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                    continue;
                case '\'':
                {
                    int close = text.IndexOf('\'', i + 1);
                    if (close < 0) throw new UsageException($"{CommandLine.EnvironmentVariable}: no closing quotation (') in: {text}");
                    word.Append(text, i + 1, close - i - 1);
                    i = close;
                    break;
                }
                case '"':
                    i = DoubleQuoted(text, i + 1, word);
                    break;
                case '\\':
                    // A backslash at the very end stands for itself, as in shlex.
                    if (i + 1 < text.Length) i++;
                    word.Append(text[i]);
                    break;
                default:
                    word.Append(c);
                    break;
            }
            inWord = true;
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }

    /// <summary>Appends a double-quoted part starting at <paramref name="start"/>; returns the index of its closing quote.</summary>
    private static int DoubleQuoted(string text, int start, StringBuilder word)
    {
        for (int i = start; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '"') return i;
            if (c == '\\' && i + 1 < text.Length && text[i + 1] is '\\' or '"') c = text[++i];
            word.Append(c);
        }
        throw new UsageException($"{CommandLine.EnvironmentVariable}: no closing quotation (\") in: {text}");
    }
}
