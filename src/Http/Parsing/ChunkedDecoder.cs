using System.Text;

namespace AkkaGunicorn.Http.Parsing;

/// <summary>What one step of <see cref="ChunkedDecoder"/> produced.</summary>
public enum ChunkedStep : byte
{
    /// <summary>Nothing yet: keep the unconsumed bytes and call again with more.</summary>
    NeedMore,
    /// <summary>A run of body bytes is ready.</summary>
    Data,
    /// <summary>Framing bytes were consumed; call again.</summary>
    Progress,
    /// <summary>The last chunk and the trailer section were read; the body is complete.</summary>
    Done,
    /// <summary>The body is malformed; see the error.</summary>
    Error,
}

/// <summary>
/// An incremental decoder for the chunked transfer coding (RFC 9112 §7.1), strict in the places
/// request smugglers probe: chunk-size syntax, extensions, the CRLF after the data, and trailer names.
/// </summary>
public sealed class ChunkedDecoder(HttpParserOptions options)
{
    private const int MaxSizeLine = 4096;

    private enum State : byte { Size, Data, DataEnd, Trailers, Done }

    private State _state;
    private long _remaining;
    private int _trailerBytes, _trailerCount;
    private List<KeyValuePair<string, string>>? _trailers;

    /// <summary>The trailer fields received after the last chunk, in order; empty if none.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Trailers => (IReadOnlyList<KeyValuePair<string, string>>?)_trailers ?? [];

    /// <summary>Whether the decoder is waiting for the final CRLF of the trailer section (for a better error on a premature end).</summary>
    public bool InTrailers => _state == State.Trailers;

    /// <summary>Starts a new body.</summary>
    public void Reset()
    {
        _state = State.Size;
        _remaining = 0;
        _trailerBytes = _trailerCount = 0;
        _trailers = null;
    }

    /// <summary>
    /// Decodes one step from <paramref name="input"/>. For <see cref="ChunkedStep.Data"/>, the body bytes are
    /// <c>input[..dataLength]</c>. <paramref name="consumed"/> bytes of input are used up in every case.
    /// </summary>
    public ChunkedStep Step(ReadOnlySpan<byte> input, out int consumed, out int dataLength, out HttpParseError error)
    {
        consumed = dataLength = 0;
        error = HttpParseError.None;
        switch (_state)
        {
            case State.Size:
            {
                int eol = input.IndexOf("\r\n"u8);
                if (eol < 0)
                {
                    if (input.Length <= MaxSizeLine) return ChunkedStep.NeedMore;
                    error = HttpParseError.InvalidChunkSize;
                    return ChunkedStep.Error;
                }
                error = ParseSizeLine(input[..eol], out _remaining);
                if (error != HttpParseError.None) return ChunkedStep.Error;
                consumed = eol + 2;
                _state = _remaining == 0 ? State.Trailers : State.Data;
                return ChunkedStep.Progress;
            }
            case State.Data:
                if (input.IsEmpty) return ChunkedStep.NeedMore;
                dataLength = consumed = (int)Math.Min(_remaining, input.Length);
                _remaining -= dataLength;
                if (_remaining == 0) _state = State.DataEnd;
                return ChunkedStep.Data;
            case State.DataEnd:
                if (input.Length < 2)
                {
                    if (input.Length == 1 && input[0] != (byte)'\r') return Fail(HttpParseError.ChunkMissingTerminator, out error);
                    return ChunkedStep.NeedMore;
                }
                if (input[0] != (byte)'\r' || input[1] != (byte)'\n') return Fail(HttpParseError.ChunkMissingTerminator, out error);
                consumed = 2;
                _state = State.Size;
                return ChunkedStep.Progress;
            case State.Trailers:
            {
                int eol = input.IndexOf("\r\n"u8);
                if (eol < 0)
                {
                    if (input.Length <= options.EffectiveFieldSizeLimit) return ChunkedStep.NeedMore;
                    return Fail(HttpParseError.HeaderTooLarge, out error);
                }
                consumed = eol + 2;
                if (eol == 0)
                {
                    _state = State.Done;
                    return ChunkedStep.Done;
                }
                error = ParseTrailer(input[..eol]);
                return error == HttpParseError.None ? ChunkedStep.Progress : ChunkedStep.Error;
            }
            default:
                return ChunkedStep.Done;
        }
    }

    private static ChunkedStep Fail(HttpParseError reason, out HttpParseError error)
    {
        error = reason;
        return ChunkedStep.Error;
    }

    /// <summary>chunk-size [ chunk-ext ]: 1*HEXDIG, then nothing or BWS ";" extensions.</summary>
    private static HttpParseError ParseSizeLine(ReadOnlySpan<byte> line, out long size)
    {
        size = 0;
        int i = 0;
        for (; i < line.Length; i++)
        {
            int digit = HexValue(line[i]);
            if (digit < 0) break;
            if (i >= 15) return HttpParseError.InvalidChunkSize;
            size = size * 16 + digit;
        }
        if (i == 0) return HttpParseError.InvalidChunkSize;
        var rest = line[i..];
        if (rest.IsEmpty) return HttpParseError.None;
        var extensions = rest.TrimStart(" \t"u8);
        if (extensions.IsEmpty || extensions[0] != (byte)';') return HttpParseError.InvalidChunkSize;
        return extensions.ContainsAny(HttpChars.ForbiddenInValue) ? HttpParseError.InvalidChunkExtension : HttpParseError.None;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    private HttpParseError ParseTrailer(ReadOnlySpan<byte> line)
    {
        if (line[0] == (byte)' ' || line[0] == (byte)'\t') return HttpParseError.ObsoleteFolding;
        _trailerBytes += line.Length + 2;
        if (line.Length + 2 > options.EffectiveFieldSizeLimit || _trailerBytes > options.MaxHeadBytes) return HttpParseError.HeaderTooLarge;
        if (++_trailerCount > options.EffectiveFieldCountLimit) return HttpParseError.TooManyHeaders;
        int colon = line.IndexOf((byte)':');
        if (colon < 0) return HttpParseError.InvalidHeader;
        var name = line[..colon];
        if (!HttpChars.IsToken(name) || IsForbiddenTrailer(name)) return HttpParseError.InvalidHeaderName;
        var value = HttpChars.TrimWhitespace(line[(colon + 1)..]);
        if (value.ContainsAny(HttpChars.ForbiddenInValue)) return HttpParseError.InvalidHeader;
        if (name.Contains((byte)'_'))
        {
            if (options.HeaderMap == HeaderMapPolicy.Refuse) return HttpParseError.InvalidHeaderName;
            if (options.HeaderMap == HeaderMapPolicy.Drop) return HttpParseError.None;
        }
        (_trailers ??= []).Add(new(Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value)));
        return HttpParseError.None;
    }

    /// <summary>RFC 9110 §6.5.1: fields that frame, route or authenticate a message may not arrive as trailers.</summary>
    private static bool IsForbiddenTrailer(ReadOnlySpan<byte> name) =>
        Ascii.EqualsIgnoreCase(name, "Content-Length"u8) || Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8) ||
        Ascii.EqualsIgnoreCase(name, "Host"u8) || Ascii.EqualsIgnoreCase(name, "Trailer"u8) ||
        Ascii.EqualsIgnoreCase(name, "Connection"u8) || Ascii.EqualsIgnoreCase(name, "Keep-Alive"u8) ||
        Ascii.EqualsIgnoreCase(name, "Upgrade"u8) || Ascii.EqualsIgnoreCase(name, "TE"u8) ||
        Ascii.EqualsIgnoreCase(name, "Expect"u8) || Ascii.EqualsIgnoreCase(name, "Authorization"u8) ||
        Ascii.EqualsIgnoreCase(name, "Proxy-Authorization"u8) || Ascii.EqualsIgnoreCase(name, "Content-Encoding"u8) ||
        Ascii.EqualsIgnoreCase(name, "Content-Range"u8) || Ascii.EqualsIgnoreCase(name, "Range"u8) ||
        Ascii.EqualsIgnoreCase(name, "Max-Forwards"u8) || Ascii.EqualsIgnoreCase(name, "Cache-Control"u8);
}
