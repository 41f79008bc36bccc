using System.Text;

namespace AkkaGunicorn.Http.Parsing;

/// <summary>
/// Parses and validates an HTTP/1.x request head (request line and header fields) as strictly as
/// Gunicorn 26 and RFC 9112 require. It works over one contiguous span, reports each part to an
/// <see cref="IHttpHeadHandler"/> as spans into that input, and allocates nothing on the common path.
/// Semantic checks that guard against request smuggling (Content-Length, Transfer-Encoding, Host)
/// happen here, so a refused request never reaches the app.
/// </summary>
public sealed class HttpHeadParser(HttpParserOptions options)
{
    private byte[]? _foldScratch;

    /// <summary>The options this parser enforces.</summary>
    public HttpParserOptions Options { get; } = options;

    /// <summary>
    /// Whether the peer is a trusted front-end proxy (<c>forwarded_allow_ips</c>), whose
    /// <see cref="HttpParserOptions.ForwarderHeaders"/> pass whatever <c>header_map</c> says. Set per connection.
    /// </summary>
    public bool TrustedForwarder { get; set; }

    /// <summary>
    /// Parses the head at the start of <paramref name="input"/>. Returns true when a whole head was
    /// parsed (<paramref name="consumed"/> bytes). Returns false either with <paramref name="error"/>
    /// set (refuse the request) or with <see cref="HttpParseError.None"/> (wait for more bytes).
    /// </summary>
    public bool TryParseHead<THandler>(ReadOnlySpan<byte> input, THandler handler, out int consumed,
        out RequestFraming framing, out HttpParseError error) where THandler : IHttpHeadHandler
    {
        consumed = 0;
        framing = default;
        // RFC 9112 §2.2: ignore empty lines before a request line (some clients send a CRLF after a body).
        int start = 0;
        while (input.Length - start >= 2 && input[start] == (byte)'\r' && input[start + 1] == (byte)'\n') start += 2;
        var rest = input[start..];

        int lineLimit = Options.EffectiveRequestLineLimit;
        int lineEnd = rest.IndexOf("\r\n"u8);
        if (lineEnd < 0)
        {
            error = rest.Length - 2 > lineLimit ? HttpParseError.RequestLineTooLong : ImpossibleStart(rest);
            return false;
        }
        if (lineEnd > lineLimit)
        {
            error = HttpParseError.RequestLineTooLong;
            return false;
        }
        var line = rest[..lineEnd];
        int headEnd = rest[lineEnd..].IndexOf("\r\n\r\n"u8);
        if (headEnd < 0)
        {
            // Refuse a bad request line now rather than after waiting for headers that may never come.
            error = ValidateRequestLine(line, out _, out _, out _);
            if (error == HttpParseError.None && rest.Length - lineEnd - 2 > Options.MaxHeadBytes)
                error = HttpParseError.HeaderTooLarge;
            return false;
        }
        headEnd += lineEnd;

        error = ValidateRequestLine(line, out var method, out var target, out var version);
        if (error != HttpParseError.None) return false;
        handler.OnRequestLine(method, target, version);

        framing.Version = version;
        error = ParseFields(rest[(lineEnd + 2)..(headEnd + 2)], handler, ref framing);
        if (error != HttpParseError.None) return false;
        consumed = start + headEnd + 4;
        return true;
    }

    /// <summary>
    /// Refuses a partial request line as soon as its method cannot be one (as Kestrel does), rather than waiting for a
    /// line end that a TLS client, say, will never send: a ClientHello's first byte (0x16) already says it all.
    /// </summary>
    private static HttpParseError ImpossibleStart(ReadOnlySpan<byte> partial)
    {
        if (!partial.IsEmpty && partial[0] == 0x16) return HttpParseError.TlsHandshakeOnPlainPort;
        int space = partial.IndexOf((byte)' ');
        var method = space < 0 ? partial.TrimEnd((byte)'\r') : partial[..space];
        if (space == 0 || !method.IsEmpty && !HttpChars.IsToken(method)) return HttpParseError.InvalidRequestMethod;
        return HttpParseError.None;
    }

    /// <summary>Validates <c>METHOD SP request-target SP HTTP-version</c>.</summary>
    internal HttpParseError ValidateRequestLine(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> method,
        out ReadOnlySpan<byte> target, out HttpVersion version)
    {
        method = target = default;
        version = HttpVersion.Http11;
        int sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0) return HttpParseError.InvalidRequestLine;
        int sp2 = line[(sp1 + 1)..].IndexOf((byte)' ');
        if (sp2 <= 0) return HttpParseError.InvalidRequestLine;
        sp2 += sp1 + 1;
        method = line[..sp1];
        target = line[(sp1 + 1)..sp2];
        var versionText = line[(sp2 + 1)..];

        if (!HttpChars.IsToken(method)) return HttpParseError.InvalidRequestMethod;
        if (!Options.PermitUnconventionalHttpMethod &&
            (method.Length is < 3 or > 20 || method.IndexOfAnyInRange((byte)'a', (byte)'z') >= 0 || method.Contains((byte)'#')))
            return HttpParseError.InvalidRequestMethod;

        if (!IsAllowedTarget(method, target)) return HttpParseError.InvalidRequestLine;

        // RFC 9110 §2.5: a later HTTP/1.x is answered as HTTP/1.1, the highest minor version we speak (as Gunicorn does).
        if (versionText.Length != 8 || !versionText.StartsWith("HTTP/1."u8) || !char.IsAsciiDigit((char)versionText[7]))
            return HttpParseError.InvalidHttpVersion;
        version = versionText[7] == (byte)'0' ? HttpVersion.Http10 : HttpVersion.Http11;
        return HttpParseError.None;
    }

    /// <summary>RFC 9112 §3.2: origin-form, absolute-form, authority-form (CONNECT only), asterisk-form (OPTIONS only).</summary>
    private static bool IsAllowedTarget(ReadOnlySpan<byte> method, ReadOnlySpan<byte> target)
    {
        if (target.IsEmpty || target.ContainsAny(HttpChars.ForbiddenInTarget)) return false;
        if (method.SequenceEqual("CONNECT"u8)) return IsAuthority(target) && target.IndexOf((byte)':') > 0;
        if (target[0] == (byte)'/') return true;
        if (target.Length == 1 && target[0] == (byte)'*') return method.SequenceEqual("OPTIONS"u8);
        return IsAbsoluteUri(target);
    }

    private static bool IsAbsoluteUri(ReadOnlySpan<byte> target)
    {
        int sep = target.IndexOf("://"u8);
        if (sep <= 0) return false;
        var scheme = target[..sep];
        if (!char.IsAsciiLetter((char)scheme[0]) || scheme[1..].ContainsAnyExcept(HttpChars.Scheme)) return false;
        var afterScheme = target[(sep + 3)..];
        int authorityEnd = afterScheme.IndexOfAny("/?#"u8);
        var authority = authorityEnd < 0 ? afterScheme : afterScheme[..authorityEnd];
        return !authority.IsEmpty && IsAuthority(authority);
    }

    /// <summary>[userinfo "@"] host [":" port], where host may be a bracketed IP literal.</summary>
    private static bool IsAuthority(ReadOnlySpan<byte> authority)
    {
        int at = authority.LastIndexOf((byte)'@');
        var hostPort = at >= 0 ? authority[(at + 1)..] : authority;
        if (at >= 0 && authority[..at].ContainsAnyExcept(HttpChars.Authority)) return false;
        if (hostPort.IsEmpty) return false;
        ReadOnlySpan<byte> port;
        if (hostPort[0] == (byte)'[')
        {
            int close = hostPort.IndexOf((byte)']');
            if (close < 2) return false;
            var literal = hostPort[1..close];
            if (literal.ContainsAnyExcept("0123456789abcdefABCDEF:."u8)) return false;
            port = hostPort[(close + 1)..];
            if (!port.IsEmpty && port[0] != (byte)':') return false;
        }
        else
        {
            int colon = hostPort.LastIndexOf((byte)':');
            var host = colon >= 0 ? hostPort[..colon] : hostPort;
            if (host.IsEmpty || host.ContainsAnyExcept(HttpChars.Authority) || host.Contains((byte)':')) return false;
            port = colon >= 0 ? hostPort[colon..] : default;
        }
        return port.IsEmpty || port.Length == 1 || !port[1..].ContainsAnyExceptInRange((byte)'0', (byte)'9');
    }

    /// <summary>Parses the header block (every line ends in CRLF) and derives the body framing.</summary>
    private HttpParseError ParseFields<THandler>(ReadOnlySpan<byte> block, THandler handler, ref RequestFraming framing)
        where THandler : IHttpHeadHandler
    {
        var state = new FramingState();
        int fieldLimit = Options.EffectiveFieldSizeLimit, countLimit = Options.EffectiveFieldCountLimit;
        int count = 0, pos = 0;
        while (pos < block.Length)
        {
            int eol = pos + block[pos..].IndexOf("\r\n"u8);
            var line = block[pos..eol];
            int next = eol + 2;
            if (line[0] == (byte)' ' || line[0] == (byte)'\t')
                return Options.PermitObsoleteFolding ? HttpParseError.InvalidHeader : HttpParseError.ObsoleteFolding;
            if (++count > countLimit) return HttpParseError.TooManyHeaders;

            int fieldLength = line.Length + 2, continuationStart = next;
            while (next < block.Length && (block[next] == (byte)' ' || block[next] == (byte)'\t'))
            {
                if (!Options.PermitObsoleteFolding) return HttpParseError.ObsoleteFolding;
                int contEnd = next + block[next..].IndexOf("\r\n"u8);
                fieldLength += contEnd - next + 2;
                next = contEnd + 2;
            }
            if (fieldLength > fieldLimit) return HttpParseError.HeaderTooLarge;

            int colon = line.IndexOf((byte)':');
            if (colon < 0) return HttpParseError.InvalidHeader;
            var name = line[..colon];
            if (Options.StripHeaderSpaces) name = name.TrimEnd(" \t"u8);
            if (!HttpChars.IsToken(name)) return HttpParseError.InvalidHeaderName;
            var value = HttpChars.TrimWhitespace(line[(colon + 1)..]);
            if (value.ContainsAny(HttpChars.ForbiddenInValue)) return HttpParseError.InvalidHeader;
            if (next != continuationStart)
            {
                var error = JoinFolded(value, block[continuationStart..next], out value);
                if (error != HttpParseError.None) return error;
            }
            pos = next;

            if (name.Contains((byte)'_') && !(TrustedForwarder && Options.IsForwarderHeader(name)))
            {
                if (Options.HeaderMap == HeaderMapPolicy.Refuse) return HttpParseError.InvalidHeaderName;
                if (Options.HeaderMap == HeaderMapPolicy.Drop) { count--; continue; }
            }
            var semanticError = state.Observe(name, value, framing.Version);
            if (semanticError != HttpParseError.None) return semanticError;
            handler.OnHeader(name, value);
        }
        return state.Complete(ref framing);
    }

    /// <summary>Joins obs-fold continuation lines onto a value with single spaces, as Gunicorn does.</summary>
    private HttpParseError JoinFolded(ReadOnlySpan<byte> first, ReadOnlySpan<byte> continuations, out ReadOnlySpan<byte> joined)
    {
        joined = default;
        int needed = first.Length + continuations.Length;
        if (_foldScratch is null || _foldScratch.Length < needed) _foldScratch = new byte[Math.Max(needed, 256)];
        var scratch = _foldScratch.AsSpan();
        first.CopyTo(scratch);
        int length = first.Length;
        while (!continuations.IsEmpty)
        {
            int eol = continuations.IndexOf("\r\n"u8);
            var piece = HttpChars.TrimWhitespace(continuations[..eol]);
            continuations = continuations[(eol + 2)..];
            if (piece.ContainsAny(HttpChars.ForbiddenInValue)) return HttpParseError.InvalidHeader;
            if (piece.IsEmpty) continue;
            if (length > 0) scratch[length++] = (byte)' ';
            piece.CopyTo(scratch[length..]);
            length += piece.Length;
        }
        joined = scratch[..length];
        return HttpParseError.None;
    }

    /// <summary>What the framing headers have said so far.</summary>
    private ref struct FramingState
    {
        private bool _hasContentLength, _hasTransferEncoding, _chunked, _otherCoding, _hasHost, _hasContentType;
        private bool _close, _keepAlive, _expectContinue, _expectOther, _connectionUpgrade, _hasUpgrade;
        private long _contentLength;

        public HttpParseError Observe(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, HttpVersion version)
        {
            if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (_hasContentLength || !HttpChars.TryParseDecimal(value, out _contentLength)) return HttpParseError.InvalidHeader;
                _hasContentLength = true;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                _hasTransferEncoding = true;
                foreach (var range in value.Split((byte)','))
                {
                    var coding = HttpChars.TrimWhitespace(value[range]);
                    if (coding.IsEmpty) continue;
                    // RFC 9112 §6.3: chunked must be the final coding, and only once.
                    if (_chunked) return HttpParseError.InvalidHeader;
                    if (Ascii.EqualsIgnoreCase(coding, "chunked"u8)) _chunked = true;
                    else if (Ascii.EqualsIgnoreCase(coding, "identity"u8)) { }
                    else if (Ascii.EqualsIgnoreCase(coding, "gzip"u8) || Ascii.EqualsIgnoreCase(coding, "x-gzip"u8) ||
                             Ascii.EqualsIgnoreCase(coding, "deflate"u8) || Ascii.EqualsIgnoreCase(coding, "compress"u8) ||
                             Ascii.EqualsIgnoreCase(coding, "x-compress"u8)) _otherCoding = true;
                    else if (HttpChars.IsToken(coding)) return HttpParseError.UnsupportedTransferCoding;
                    else return HttpParseError.InvalidHeader;
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, "Host"u8))
            {
                if (_hasHost) return HttpParseError.InvalidHeader;
                _hasHost = true;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Content-Type"u8))
            {
                // A singleton field (RFC 9110 §8.3): two values leave the app to guess which one a proxy used.
                if (_hasContentType) return HttpParseError.InvalidHeader;
                _hasContentType = true;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                foreach (var range in value.Split((byte)','))
                {
                    var option = HttpChars.TrimWhitespace(value[range]);
                    if (Ascii.EqualsIgnoreCase(option, "close"u8)) _close = true;
                    else if (Ascii.EqualsIgnoreCase(option, "keep-alive"u8)) _keepAlive = true;
                    else if (Ascii.EqualsIgnoreCase(option, "upgrade"u8)) _connectionUpgrade = true;
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, "Upgrade"u8))
            {
                _hasUpgrade = true;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Expect"u8) && version == HttpVersion.Http11)
            {
                if (Ascii.EqualsIgnoreCase(value, "100-continue"u8)) _expectContinue = true;
                else _expectOther = true;
            }
            return HttpParseError.None;
        }

        public readonly HttpParseError Complete(ref RequestFraming framing)
        {
            if (_hasTransferEncoding)
            {
                // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0, or beside Content-Length, makes the framing ambiguous.
                if (framing.Version == HttpVersion.Http10) return HttpParseError.InvalidHeader;
                if (_chunked && _hasContentLength) return HttpParseError.InvalidHeader;
                if (!_chunked && _otherCoding) return HttpParseError.InvalidHeader;
            }
            if (_expectOther) return HttpParseError.ExpectationFailed;
            if (_chunked) framing.Body = BodyKind.Chunked;
            else if (_hasContentLength && _contentLength > 0)
            {
                framing.Body = BodyKind.ContentLength;
                framing.ContentLength = _contentLength;
            }
            framing.KeepAlive = framing.Version == HttpVersion.Http11 ? !_close : _keepAlive && !_close;
            framing.ExpectContinue = _expectContinue && framing.Body != BodyKind.None;
            // RFC 9110 §7.8: only an HTTP/1.1 request naming Upgrade in Connection may switch protocols; one with a
            // body could not (its body and the new protocol's bytes would share the stream), as on Kestrel.
            framing.Upgradable = _connectionUpgrade && _hasUpgrade && framing.Version == HttpVersion.Http11
                && framing.Body == BodyKind.None && framing.KeepAlive;
            return HttpParseError.None;
        }
    }
}
