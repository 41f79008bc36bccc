using System.Buffers;

namespace AkkaGunicorn.Http.Parsing;

/// <summary>Byte classes from RFC 9110, as vectorised search sets.</summary>
internal static class HttpChars
{
    /// <summary>tchar: the bytes a token (method, header name, coding) may contain.</summary>
    public static readonly SearchValues<byte> Token =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>Bytes that may never appear in a field value: controls other than HTAB, and DEL.</summary>
    public static readonly SearchValues<byte> ForbiddenInValue = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127]);

    /// <summary>Bytes that may never appear in a request target: controls, space and DEL.</summary>
    public static readonly SearchValues<byte> ForbiddenInTarget = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 127]);

    /// <summary>Bytes allowed in a URI host (reg-name or IP literal), userinfo and port, RFC 3986.</summary>
    public static readonly SearchValues<byte> Authority =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%!$&'()*+,;=:@"u8);

    /// <summary>Bytes allowed in a URI scheme after its first letter.</summary>
    public static readonly SearchValues<byte> Scheme =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-."u8);

    public static bool IsToken(ReadOnlySpan<byte> s) => !s.IsEmpty && !s.ContainsAnyExcept(Token);

    /// <summary>tchar as characters, for names the app gives as strings.</summary>
    public static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>Whether <paramref name="s"/> is a token (a header name an app set, say), without encoding it.</summary>
    public static bool IsToken(ReadOnlySpan<char> s) => !s.IsEmpty && !s.ContainsAnyExcept(TokenChars);

    public static ReadOnlySpan<byte> TrimWhitespace(ReadOnlySpan<byte> s)
    {
        int start = 0, end = s.Length;
        while (start < end && (s[start] == (byte)' ' || s[start] == (byte)'\t')) start++;
        while (end > start && (s[end - 1] == (byte)' ' || s[end - 1] == (byte)'\t')) end--;
        return s[start..end];
    }

    /// <summary>Parses 1*DIGIT into a non-negative long; no sign, no white space, no overflow.</summary>
    public static bool TryParseDecimal(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 18) return false;
        foreach (var b in s)
        {
            if (b < (byte)'0' || b > (byte)'9') return false;
            value = value * 10 + (b - '0');
        }
        return true;
    }
}
