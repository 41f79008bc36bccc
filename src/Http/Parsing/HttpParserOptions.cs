namespace AkkaGunicorn.Http.Parsing;

/// <summary>The limits and compatibility switches the parser honours, with Gunicorn's names and defaults.</summary>
public sealed record HttpParserOptions
{
    /// <summary>The request line and header field limit that 0 stands for.</summary>
    public const int MaxLineSize = 8190;

    /// <summary>The hard ceiling on the number of header fields.</summary>
    public const int MaxHeaderCount = 32768;

    /// <summary>Longest request line, in bytes, without its CRLF (<c>limit_request_line</c>); 0 means 8190.</summary>
    public int LimitRequestLine { get; init; } = 4094;

    /// <summary>Most header fields (<c>limit_request_fields</c>).</summary>
    public int LimitRequestFields { get; init; } = 100;

    /// <summary>Longest header field in bytes, CRLF and continuation lines included (<c>limit_request_field_size</c>); 0 means 8190.</summary>
    public int LimitRequestFieldSize { get; init; } = 8190;

    /// <summary>Accept obs-fold continuation lines, joining them with one space (<c>permit_obsolete_folding</c>).</summary>
    public bool PermitObsoleteFolding { get; init; }

    /// <summary>Accept any token as a method, not only upper-case ones of 3 to 20 characters (<c>permit_unconventional_http_method</c>).</summary>
    public bool PermitUnconventionalHttpMethod { get; init; }

    /// <summary>Upper-case the method (<c>casefold_http_method</c>).</summary>
    public bool CasefoldHttpMethod { get; init; }

    /// <summary>Tolerate white space between a header name and its colon (<c>strip_header_spaces</c>).</summary>
    public bool StripHeaderSpaces { get; init; }

    /// <summary>Treatment of header names containing '_' (<c>header_map</c>).</summary>
    public HeaderMapPolicy HeaderMap { get; init; } = HeaderMapPolicy.Drop;

    /// <summary>
    /// Header names containing '_' that a trusted front-end proxy may send whatever <see cref="HeaderMap"/> says
    /// (<c>forwarder_headers</c>), or "*" for all; Gunicorn's default lets SCRIPT_NAME and PATH_INFO through.
    /// </summary>
    public IReadOnlyList<string> ForwarderHeaders
    {
        get => _forwarderHeaders;
        init
        {
            _forwarderHeaders = value;
            _forwarderHeaderBytes = value.Select(System.Text.Encoding.ASCII.GetBytes).ToArray();
        }
    }

    private readonly IReadOnlyList<string> _forwarderHeaders = ["SCRIPT_NAME", "PATH_INFO"];
    private readonly byte[][] _forwarderHeaderBytes = ["SCRIPT_NAME"u8.ToArray(), "PATH_INFO"u8.ToArray()];

    /// <summary>Whether a trusted proxy may send <paramref name="name"/>, a name containing '_'.</summary>
    internal bool IsForwarderHeader(ReadOnlySpan<byte> name)
    {
        foreach (var allowed in _forwarderHeaderBytes)
            if (allowed is [(byte)'*'] || System.Text.Ascii.EqualsIgnoreCase(name, allowed)) return true;
        return false;
    }

    internal int EffectiveRequestLineLimit => LimitRequestLine <= 0 ? MaxLineSize : LimitRequestLine;

    internal int EffectiveFieldSizeLimit => LimitRequestFieldSize <= 0 ? MaxLineSize : LimitRequestFieldSize;

    internal int EffectiveFieldCountLimit => LimitRequestFields <= 0 || LimitRequestFields > MaxHeaderCount ? MaxHeaderCount : LimitRequestFields;

    /// <summary>The most bytes a whole header block may take before we stop waiting for its end.</summary>
    internal int MaxHeadBytes => EffectiveFieldCountLimit * (EffectiveFieldSizeLimit + 2) + 4;
}
