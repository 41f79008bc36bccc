using System.Text;

namespace AkkaGunicorn.Testing;

/// <summary>A response as a test sees it.</summary>
public sealed record ParsedResponse(int Status, List<KeyValuePair<string, string>> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>Splits raw bytes from a connection into HTTP/1.1 responses (Content-Length, chunked, or until close).</summary>
public static class HttpResponseReader
{
    public static List<ParsedResponse> ReadAll(byte[] bytes, bool headRequest = false)
    {
        var responses = new List<ParsedResponse>();
        int offset = 0;
        while (offset < bytes.Length && TryRead(bytes, ref offset, out var response, connectionClosed: true, headRequest))
            responses.Add(response!);
        return responses;
    }

    /// <summary>Reads one response; false if the bytes do not yet hold a whole one.</summary>
    public static bool TryRead(byte[] bytes, ref int offset, out ParsedResponse? response, bool connectionClosed, bool headRequest = false)
    {
        response = null;
        var span = bytes.AsSpan(offset);
        int headEnd = span.IndexOf("\r\n\r\n"u8);
        if (headEnd < 0) return false;
        var lines = Encoding.Latin1.GetString(span[..headEnd]).Split("\r\n");
        int status = int.Parse(lines[0].Split(' ')[1]);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Select(p => new KeyValuePair<string, string>(p[0], p[1].Trim())).ToList();
        int pos = headEnd + 4;
        var body = new MemoryStream();
        string? length = headers.FirstOrDefault(h => h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Value;
        bool chunked = headers.Any(h => h.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && h.Value.Contains("chunked"));
        if (headRequest || status is < 200 or 204 or 304)
        {
        }
        else if (chunked)
        {
            while (true)
            {
                int eol = span[pos..].IndexOf("\r\n"u8);
                if (eol < 0) return false;
                int size = Convert.ToInt32(Encoding.ASCII.GetString(span.Slice(pos, eol)).Split(';')[0], 16);
                pos += eol + 2;
                if (size == 0)
                {
                    int end = span[pos..].IndexOf("\r\n"u8);
                    if (end < 0) return false;
                    pos += end + 2;
                    break;
                }
                if (span.Length < pos + size + 2) return false;
                body.Write(span.Slice(pos, size));
                pos += size + 2;
            }
        }
        else if (length is not null)
        {
            int n = int.Parse(length);
            if (span.Length < pos + n) return false;
            body.Write(span.Slice(pos, n));
            pos += n;
        }
        else
        {
            if (!connectionClosed) return false;
            body.Write(span[pos..]);
            pos = span.Length;
        }
        offset += pos;
        response = new ParsedResponse(status, headers, body.ToArray());
        return true;
    }
}
