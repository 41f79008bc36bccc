using System.Net.Security;

namespace AkkaGunicorn.Http.Http2;

/// <summary>The <c>http_protocols</c> setting: which of <c>h1</c> and <c>h2</c> are served, in order of preference.</summary>
public static class HttpProtocols
{
    /// <summary>The protocols there are.</summary>
    public static readonly IReadOnlyList<string> Known = ["h1", "h2"];

    /// <summary>Parses "h2, h1" (commas, spaces); null with <paramref name="error"/> when it is not a list of known protocols.</summary>
    public static IReadOnlyList<string>? TryParse(string text, out string error)
    {
        var names = text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries);
        error = "";
        if (names.Length == 0) error = "expected at least one of h1, h2";
        else if (names.FirstOrDefault(n => !Known.Contains(n)) is { } unknown) error = $"'{unknown}' is not a protocol; expected h1 and/or h2, e.g. \"h2, h1\"";
        else if (names.Distinct().Count() != names.Length) error = "a protocol is listed twice";
        return error.Length == 0 ? names : null;
    }

    /// <summary>Parses a list already checked by <see cref="TryParse"/>.</summary>
    public static IReadOnlyList<string> Parse(string text) => TryParse(text, out var error) ?? throw new FormatException(error);

    /// <summary>What TLS offers by ALPN, in the same order.</summary>
    public static List<SslApplicationProtocol> Alpn(IReadOnlyList<string> protocols) =>
        [.. protocols.Select(p => p == "h2" ? SslApplicationProtocol.Http2 : SslApplicationProtocol.Http11)];
}
