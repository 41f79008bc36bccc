using System.Collections;

namespace AkkaGunicorn.Http.App;

/// <summary>Header fields in received (or added) order, with their names' original case. Look-ups ignore case.</summary>
public sealed class HeaderList : IReadOnlyList<KeyValuePair<string, string>>
{
    private readonly List<KeyValuePair<string, string>> _fields;

    /// <summary>An empty list with room for 16 fields, a browser's request head.</summary>
    public HeaderList() : this(16) { }

    /// <summary>An empty list with room for <paramref name="capacity"/> fields before it grows.</summary>
    /// <param name="capacity">
    /// The fields expected: each connection holds four lists for its life, and trailers are rare, so their room is
    /// made only when the first one comes.
    /// </param>
    public HeaderList(int capacity) => _fields = new(capacity);

    /// <summary>The number of fields.</summary>
    public int Count => _fields.Count;

    /// <summary>The field at <paramref name="index"/>.</summary>
    public KeyValuePair<string, string> this[int index] => _fields[index];

    /// <summary>The first value of <paramref name="name"/>, or null.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (var field in _fields)
                if (string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase)) return field.Value;
            return null;
        }
    }

    /// <summary>Every value of <paramref name="name"/>, in order.</summary>
    public IEnumerable<string> GetValues(string name) =>
        _fields.Where(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase)).Select(f => f.Value);

    /// <summary>Whether a field named <paramref name="name"/> is present.</summary>
    public bool Contains(string name) => this[name] is not null;

    /// <summary>Appends a field.</summary>
    public void Add(string name, string value) => _fields.Add(new(name, value));

    /// <summary>Replaces every field named <paramref name="name"/> with one field, where the first of them was (else at the end).</summary>
    public void Set(string name, string value)
    {
        int first = _fields.FindIndex(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase));
        if (first < 0)
        {
            Add(name, value);
            return;
        }
        _fields[first] = new(_fields[first].Key, value);
        for (int i = _fields.Count - 1; i > first; i--)
            if (string.Equals(_fields[i].Key, name, StringComparison.OrdinalIgnoreCase)) _fields.RemoveAt(i);
    }

    /// <summary>Removes every field named <paramref name="name"/>; returns whether any was there.</summary>
    public bool Remove(string name) => _fields.RemoveAll(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase)) > 0;

    /// <summary>Removes every field.</summary>
    public void Clear() => _fields.Clear();

    /// <inheritdoc />
    public List<KeyValuePair<string, string>>.Enumerator GetEnumerator() => _fields.GetEnumerator();

    IEnumerator<KeyValuePair<string, string>> IEnumerable<KeyValuePair<string, string>>.GetEnumerator() => _fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _fields.GetEnumerator();
}
