namespace AkkaGunicorn.Http.Http2.Hpack;

/// <summary>The dynamic table of RFC 7541 §2.3.2: newest first, evicting the oldest past its size.</summary>
internal sealed class DynamicTable(int maxSize)
{
    private readonly LinkedList<(string Name, string Value)> _entries = new();
    private int _maxSize = maxSize;

    /// <summary>The size in octets: each entry counts its name, its value and 32.</summary>
    public int Size { get; private set; }

    /// <summary>The entry at <paramref name="index"/> (0 is the newest), or null.</summary>
    public (string Name, string Value)? Get(int index)
    {
        if (index >= _entries.Count) return null;
        var node = _entries.First!;
        for (int i = 0; i < index; i++) node = node.Next!;
        return node.Value;
    }

    /// <summary>Adds an entry, evicting as needed; an entry larger than the table empties it (§4.4).</summary>
    public void Add(string name, string value)
    {
        int size = name.Length + value.Length + 32;
        EvictTo(_maxSize - size);
        if (size > _maxSize) return;
        _entries.AddFirst((name, value));
        Size += size;
    }

    /// <summary>Applies a size update (§4.3).</summary>
    public void Resize(int maxSize)
    {
        _maxSize = maxSize;
        EvictTo(maxSize);
    }

    private void EvictTo(int size)
    {
        while (Size > Math.Max(size, 0) && _entries.Last is { } oldest)
        {
            Size -= oldest.Value.Name.Length + oldest.Value.Value.Length + 32;
            _entries.RemoveLast();
        }
    }
}
