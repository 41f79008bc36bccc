using System.Globalization;
using System.Net;
using System.Text;
using AkkaGunicorn.Http.Server;

namespace AkkaGunicorn.Workers.Observability;

/// <summary>
/// Gunicorn's access_log_format: Python %-style atoms, <c>%(h)s</c>, rendered for one exchange. The atoms are
/// Gunicorn's: h l u t r m U q H s B b f a T D M L p, <c>{header}i</c> (request header), <c>{header}o</c> (response
/// header) and <c>{variable}e</c> (the request's WSGI-style environment: REQUEST_METHOD, PATH_INFO, QUERY_STRING,
/// SERVER_PROTOCOL, REMOTE_ADDR, REMOTE_PORT, SERVER_NAME, SERVER_PORT, wsgi.url_scheme, HTTP_*; else the
/// process environment). A missing value renders as "-". The format is parsed once.
/// </summary>
public sealed class AccessLogFormat
{
    /// <summary>Gunicorn's default format.</summary>
    public const string Default = "%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\"";

    private static readonly string Pid = $"<{Environment.ProcessId}>";
    private readonly List<(string? Literal, string? Atom)> _parts = [];

    /// <summary>Parses a format; throws <see cref="FormatException"/> naming an unknown atom.</summary>
    public AccessLogFormat(string format)
    {
        var literal = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] == '%' && i + 1 < format.Length && format[i + 1] == '%')
            {
                literal.Append('%');
                i++;
                continue;
            }
            if (format[i] != '%' || i + 1 >= format.Length || format[i + 1] != '(')
            {
                literal.Append(format[i]);
                continue;
            }
            int close = format.IndexOf(')', i + 2);
            if (close < 0 || close + 1 >= format.Length || format[close + 1] != 's')
                throw new FormatException($"'{format[i..]}': an atom is written %(NAME)s");
            var atom = format[(i + 2)..close];
            if (!IsKnown(atom)) throw new FormatException($"unknown atom %({atom})s; atoms: h l u t r m U q H s B b f a T D M L p {{header}}i {{header}}o {{variable}}e");
            if (literal.Length > 0) { _parts.Add((literal.ToString(), null)); literal.Clear(); }
            _parts.Add((null, atom));
            i = close + 1;
        }
        if (literal.Length > 0) _parts.Add((literal.ToString(), null));
    }

    private static bool IsKnown(string atom) =>
        atom.Length == 1 ? "hlutrmUqHsBbfaTDMLp".Contains(atom[0])
        : atom.Length > 3 && atom[0] == '{' && atom[^2] == '}' && atom[^1] is 'i' or 'o' or 'e';

    /// <summary>Renders one line (without the line end) into <paramref name="line"/>.</summary>
    public void Render(in Exchange exchange, DateTimeOffset now, StringBuilder line)
    {
        foreach (var (literal, atom) in _parts)
        {
            if (literal is not null) line.Append(literal);
            else line.Append(Value(atom!, exchange, now) is { Length: > 0 } value ? value : "-");
        }
    }

    private static string? Value(string atom, in Exchange x, DateTimeOffset now)
    {
        var request = x.Request;
        var duration = x.Duration;
        switch (atom)
        {
            case "h": return (request.RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? request.RemoteEndPoint?.ToString();
            case "l": return "-";
            case "u": return BasicUser(request.Headers["Authorization"]);
            case "t": return Timestamp(now);
            case "r": return $"{request.Method} {request.Target} {request.Protocol}";
            case "m": return request.Method;
            case "U": return request.Path;
            case "q": return request.Query;
            case "H": return request.Protocol;
            case "s": return x.Status.ToString(CultureInfo.InvariantCulture);
            case "B": return x.BodyBytes.ToString(CultureInfo.InvariantCulture);
            case "b": return x.BodyBytes == 0 ? "-" : x.BodyBytes.ToString(CultureInfo.InvariantCulture);
            case "f": return request.Headers["Referer"];
            case "a": return request.Headers["User-Agent"];
            case "T": return ((long)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            case "D": return ((long)(duration.Ticks / 10)).ToString(CultureInfo.InvariantCulture);
            case "M": return ((long)duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            case "L": return $"{(long)duration.TotalSeconds}.{duration.Ticks / 10 % 1_000_000:D6}";
            case "p": return Pid;
        }
        var name = atom[1..^2];
        return atom[^1] switch
        {
            'i' => request.Headers[name],
            'o' => Header(x.ResponseHeaders, name),
            _ => Environ(name, x),
        };
    }

    // The %(t)s text changes once a second: render it once a second, not once a request.
    private sealed record Stamp(long Second, string Text);

    private static Stamp _timestamp = new(-1, "");

    private static string Timestamp(DateTimeOffset now)
    {
        var cached = _timestamp;
        long second = now.ToUnixTimeSeconds();
        if (cached.Second == second) return cached.Text;
        var text = now.ToString("[dd/MMM/yyyy:HH:mm:ss ", CultureInfo.InvariantCulture) + now.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", "") + "]";
        _timestamp = new Stamp(second, text);
        return text;
    }

    private static string? Header(IReadOnlyList<KeyValuePair<string, string>> headers, string name)
    {
        foreach (var (key, value) in headers)
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase)) return value;
        return null;
    }

    private static string? Environ(string name, in Exchange x)
    {
        var request = x.Request;
        var local = request.LocalEndPoint as IPEndPoint;
        return name switch
        {
            "REQUEST_METHOD" => request.Method,
            "PATH_INFO" => Uri.UnescapeDataString(request.Path),
            "RAW_URI" => request.Target,
            "QUERY_STRING" => request.Query,
            "SERVER_PROTOCOL" => request.Protocol,
            "REMOTE_ADDR" => (request.RemoteEndPoint as IPEndPoint)?.Address.ToString(),
            "REMOTE_PORT" => (request.RemoteEndPoint as IPEndPoint)?.Port.ToString(CultureInfo.InvariantCulture),
            "SERVER_NAME" => local?.Address.ToString(),
            "SERVER_PORT" => local?.Port.ToString(CultureInfo.InvariantCulture),
            "CONTENT_TYPE" => request.Headers["Content-Type"],
            "CONTENT_LENGTH" => request.Headers["Content-Length"],
            "wsgi.url_scheme" => request.Scheme,
            _ when name.StartsWith("HTTP_", StringComparison.Ordinal) => request.Headers[name[5..].Replace('_', '-')],
            _ => Environment.GetEnvironmentVariable(name),
        };
    }

    private static string? BasicUser(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
            int colon = decoded.IndexOf(':');
            return colon < 0 ? decoded : decoded[..colon];
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
