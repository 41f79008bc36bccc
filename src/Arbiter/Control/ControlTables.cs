using System.Text;
using System.Text.Json.Nodes;

namespace AkkaGunicorn.Arbiter.Control;

/// <summary>Control answers as text for people: tables for lists of objects, "key: value" lines otherwise.</summary>
public static class ControlTables
{
    /// <summary>Renders an answer (without its "ok").</summary>
    public static string Render(JsonObject answer)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in answer)
        {
            if (key == "ok") continue;
            Render(key, value, text, "");
        }
        return text.ToString();
    }

    private static void Render(string key, JsonNode? value, StringBuilder text, string indent)
    {
        switch (value)
        {
            case JsonArray array when array.Count > 0 && array.All(n => n is JsonObject):
                text.Append(indent).Append(key).Append(":\n");
                Table(array.Cast<JsonObject>().ToList(), text, indent + "  ");
                break;
            case JsonObject obj:
                text.Append(indent).Append(key).Append(":\n");
                foreach (var (k, v) in obj) Render(k, v, text, indent + "  ");
                break;
            case JsonValue v when key == "config":
                text.Append(v.GetValue<string>());
                break;
            case JsonArray array:
                text.Append(indent).Append(key).Append(": ").Append(string.Join(", ", array.Select(n => n?.ToString()))).Append('\n');
                break;
            default:
                text.Append(indent).Append(key).Append(": ").Append(value?.ToString() ?? "-").Append('\n');
                break;
        }
    }

    private static void Table(List<JsonObject> rows, StringBuilder text, string indent)
    {
        var columns = rows.SelectMany(r => r.Select(kv => kv.Key)).Distinct().ToList();
        var cells = rows.Select(r => columns.Select(c => r[c]?.ToString() ?? "-").ToList()).ToList();
        var widths = columns.Select((c, i) => Math.Max(c.Length, cells.Max(row => row[i].Length))).ToList();
        text.Append(indent).AppendJoin("  ", columns.Select((c, i) => c.ToUpperInvariant().PadRight(widths[i]))).Append('\n');
        foreach (var row in cells) text.Append(indent).AppendJoin("  ", row.Select((c, i) => c.PadRight(widths[i]))).Append('\n');
    }
}
