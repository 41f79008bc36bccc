using System.Buffers;
using System.Text;

namespace AkkaGunicorn.AspNetCore.Exchange;

/// <summary>
/// Splits a request target into what ASP.NET Core calls Path and QueryString, and decodes the path as Kestrel
/// does: percent-escapes become UTF-8 text, except <c>%2F</c>, which stays escaped so that it never becomes a
/// segment separator; then dot segments are removed. Routing and static files see the same path on both servers.
/// </summary>
internal static class RequestTarget
{
    private static readonly SearchValues<char> PathEnd = SearchValues.Create("?#");

    /// <summary>The decoded path and the raw query (with its '?', or empty) of an origin-form target.</summary>
    public static (string Path, string Query) Split(string target, string fallbackPath, string fallbackQuery)
    {
        if (target.Length == 0 || target[0] != '/')
        {
            // Absolute form (a proxy's request), authority form (CONNECT) or '*': the parser already split them.
            return (fallbackPath.Length == 0 ? "" : DecodePath(fallbackPath), fallbackQuery.Length == 0 ? "" : "?" + fallbackQuery);
        }
        int end = target.AsSpan().IndexOfAny(PathEnd);
        if (end < 0) return (DecodePath(target), "");
        string path = DecodePath(target[..end]);
        if (target[end] == '#') return (path, "");
        int hash = target.IndexOf('#', end);
        return (path, hash < 0 ? target[end..] : target[end..hash]);
    }

    /// <summary>Decodes a raw path; returns it unchanged (no copy) when there is nothing to decode or remove.</summary>
    public static string DecodePath(string raw)
    {
        bool escaped = raw.Contains('%');
        if (!escaped && !raw.Contains("/.", StringComparison.Ordinal)) return raw;
        string decoded = escaped ? Unescape(raw) : raw;
        return decoded.Contains("/.", StringComparison.Ordinal) ? RemoveDotSegments(decoded) : decoded;
    }

    private static string Unescape(string raw)
    {
        var bytes = new byte[raw.Length * 3];
        int length = 0;
        for (int i = 0; i < raw.Length; i++)
        {
            char c = raw[i];
            if (c == '%' && i + 2 < raw.Length && IsHex(raw[i + 1]) && IsHex(raw[i + 2]))
            {
                byte value = (byte)(Hex(raw[i + 1]) << 4 | Hex(raw[i + 2]));
                if (value == (byte)'/')
                {
                    // An escaped slash is data, not structure: keep it escaped.
                    bytes[length++] = (byte)'%';
                    bytes[length++] = (byte)raw[i + 1];
                    bytes[length++] = (byte)raw[i + 2];
                }
                else
                {
                    bytes[length++] = value;
                }
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes[length++] = (byte)c;
            }
            else
            {
                length += Encoding.UTF8.GetBytes(raw.AsSpan(i, 1), bytes.AsSpan(length));
            }
        }
        try
        {
            return StrictUtf8.GetString(bytes, 0, length);
        }
        catch (DecoderFallbackException)
        {
            // Escapes that are not UTF-8 stay as sent, as Kestrel leaves them.
            return raw;
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>RFC 3986 section 5.2.4, on a path that starts with '/'.</summary>
    private static string RemoveDotSegments(string path)
    {
        var output = new List<string>();
        var segments = path.Split('/');
        for (int i = 1; i < segments.Length; i++)
        {
            var segment = segments[i];
            bool last = i == segments.Length - 1;
            if (segment == ".")
            {
                if (last) output.Add("");
            }
            else if (segment == "..")
            {
                if (output.Count > 0) output.RemoveAt(output.Count - 1);
                if (last) output.Add("");
            }
            else
            {
                output.Add(segment);
            }
        }
        return "/" + string.Join('/', output);
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int Hex(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
