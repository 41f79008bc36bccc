namespace AkkaGunicorn.Http.Http2.Hpack;

/// <summary>The static table of RFC 7541 Appendix A (index 1 to 61).</summary>
internal static class StaticTable
{
    /// <summary>Entries; index 0 is unused.</summary>
    public static readonly (string Name, string Value)[] Entries =
    [
        ("", ""),
        (":authority", ""), (":method", "GET"), (":method", "POST"), (":path", "/"), (":path", "/index.html"),
        (":scheme", "http"), (":scheme", "https"), (":status", "200"), (":status", "204"), (":status", "206"),
        (":status", "304"), (":status", "400"), (":status", "404"), (":status", "500"), ("accept-charset", ""),
        ("accept-encoding", "gzip, deflate"), ("accept-language", ""), ("accept-ranges", ""), ("accept", ""),
        ("access-control-allow-origin", ""), ("age", ""), ("allow", ""), ("authorization", ""), ("cache-control", ""),
        ("content-disposition", ""), ("content-encoding", ""), ("content-language", ""), ("content-length", ""),
        ("content-location", ""), ("content-range", ""), ("content-type", ""), ("cookie", ""), ("date", ""),
        ("etag", ""), ("expect", ""), ("expires", ""), ("from", ""), ("host", ""), ("if-match", ""),
        ("if-modified-since", ""), ("if-none-match", ""), ("if-range", ""), ("if-unmodified-since", ""),
        ("last-modified", ""), ("link", ""), ("location", ""), ("max-forwards", ""), ("proxy-authenticate", ""),
        ("proxy-authorization", ""), ("range", ""), ("referer", ""), ("refresh", ""), ("retry-after", ""),
        ("server", ""), ("set-cookie", ""), ("strict-transport-security", ""), ("transfer-encoding", ""),
        ("user-agent", ""), ("vary", ""), ("via", ""), ("www-authenticate", ""),
    ];

    /// <summary>The number of entries.</summary>
    public const int Count = 61;

    private static readonly Dictionary<string, int> FirstByName = BuildNames();

    private static Dictionary<string, int> BuildNames()
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = Count; i >= 1; i--) names[Entries[i].Name] = i;
        return names;
    }

    /// <summary>The first index whose name is <paramref name="name"/> (lower case), or 0.</summary>
    public static int IndexOfName(string name) => FirstByName.GetValueOrDefault(name);

    /// <summary>The index of <c>:status</c> with <paramref name="status"/>, or 0.</summary>
    public static int IndexOfStatus(int status) => status switch
    {
        200 => 8, 204 => 9, 206 => 10, 304 => 11, 400 => 12, 404 => 13, 500 => 14, _ => 0,
    };
}
