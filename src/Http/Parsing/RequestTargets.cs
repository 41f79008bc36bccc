using System.Text;

namespace AkkaGunicorn.Http.Parsing;

/// <summary>What a request target says beyond its path (RFC 9112 §3.2).</summary>
public static class RequestTargets
{
    /// <summary>
    /// The authority (host and port, without userinfo) of an absolute-form target, or null for any other form
    /// (origin, asterisk, and CONNECT's authority form, which names where to tunnel, not the host asked).
    /// </summary>
    public static string? AbsoluteAuthority(ReadOnlySpan<byte> method, ReadOnlySpan<byte> target)
    {
        if (target.IsEmpty || target[0] == (byte)'/' || method.SequenceEqual("CONNECT"u8)) return null;
        int sep = target.IndexOf("://"u8);
        if (sep <= 0) return null;
        var rest = target[(sep + 3)..];
        int end = rest.IndexOfAny("/?#"u8);
        var authority = end < 0 ? rest : rest[..end];
        int at = authority.LastIndexOf((byte)'@');
        if (at >= 0) authority = authority[(at + 1)..];
        return authority.IsEmpty ? null : Encoding.Latin1.GetString(authority);
    }
}
