using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Text;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Http.Stages;

namespace AkkaGunicorn.Http.Writing;

/// <summary>
/// Renders response heads and body framing into one reusable buffer. Status lines are cached per
/// status; the Date line is shared and refreshed once a second. Small bodies are copied in after the
/// head, so a typical response leaves in one send. The buffer comes from <see cref="ConnectionBuffers"/> and goes back through
/// <see cref="Release"/>: a fresh 4 KiB per connection was a quarter of what a worker allocated for a connection that
/// carries one request, and so of its collections.
/// </summary>
internal sealed class ResponseRenderer(string serverHeader)
{
    /// <summary>Bodies up to this size are copied after the head rather than sent separately.</summary>
    public const int InlineBodyLimit = 8 * 1024;

    private static readonly ConcurrentDictionary<int, byte[]> StatusLines = new();
    private static readonly ConcurrentDictionary<string, byte[]> ServerLines = new();
    private readonly byte[] _serverLine = ServerLines.GetOrAdd(serverHeader, header => Encoding.ASCII.GetBytes($"Server: {header}\r\n"));
    private byte[] _buffer = ConnectionBuffers.Pool.Rent(ConnectionBuffers.Size);
    private bool _pooled = true;
    private int _length;

    /// <summary>
    /// Gives the buffer back to the pool once nothing it rendered is still to be sent: the renderer is not used after.
    /// A buffer that had to grow is left to the collector.
    /// </summary>
    public void Release()
    {
        if (!_pooled) return;
        _pooled = false;
        ConnectionBuffers.Pool.Return(_buffer);
        _buffer = [];
        _length = 0;
    }

    public static ReadOnlySpan<byte> Continue => "HTTP/1.1 100 Continue\r\n\r\n"u8;

    public static ReadOnlySpan<byte> LastChunk => "0\r\n\r\n"u8;

    public void Clear() => _length = 0;

    public ReadOnlyMemory<byte> Rendered => _buffer.AsMemory(0, _length);

    public void RenderHead(ResponseStart start)
    {
        Append(start.ReasonPhrase is null ? StatusLine(start.StatusCode) : Encoding.Latin1.GetBytes($"HTTP/1.1 {start.StatusCode} {start.ReasonPhrase}\r\n"));
        bool hasServer = false, hasDate = false;
        foreach (var (name, value) in start.Headers)
        {
            if (IsFramingHeader(name)) continue;
            hasServer |= name.Equals("Server", StringComparison.OrdinalIgnoreCase);
            hasDate |= name.Equals("Date", StringComparison.OrdinalIgnoreCase);
            AppendLatin1(name);
            Append(": "u8);
            AppendLatin1(value);
            Append("\r\n"u8);
        }
        if (!hasServer) Append(_serverLine);
        if (!hasDate) Append(ServerDate.HeaderLine);
        switch (start.Framing)
        {
            case ResponseFraming.ContentLength:
            case ResponseFraming.NoBody when start.ContentLength >= 0:
                Append("Content-Length: "u8);
                AppendNumber(start.ContentLength);
                Append("\r\n"u8);
                break;
            case ResponseFraming.Chunked:
                Append("Transfer-Encoding: chunked\r\n"u8);
                break;
        }
        if (start.Framing == ResponseFraming.Upgraded) Append("Connection: Upgrade\r\n"u8);
        else if (start.Close) Append("Connection: close\r\n"u8);
        else if (start.KeepAliveHeader) Append("Connection: keep-alive\r\n"u8);
        Append("\r\n"u8);
    }

    /// <summary>The last chunk of a chunked body with trailer fields; fields that cannot be sent safely are left out.</summary>
    public void RenderLastChunk(IReadOnlyList<KeyValuePair<string, string>> trailers)
    {
        Append("0\r\n"u8);
        foreach (var (name, value) in trailers)
        {
            if (IsFramingHeader(name) || name.AsSpan().IndexOfAny("\r\n: ") >= 0 || value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0) continue;
            AppendLatin1(name);
            Append(": "u8);
            AppendLatin1(value);
            Append("\r\n"u8);
        }
        Append("\r\n"u8);
    }

    public void RenderChunkHeader(int length)
    {
        EnsureRoom(20);
        Utf8Formatter.TryFormat(length, _buffer.AsSpan(_length), out int written, new System.Buffers.StandardFormat('X'));
        _length += written;
        Append("\r\n"u8);
    }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        EnsureRoom(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void AppendLatin1(string text)
    {
        EnsureRoom(text.Length);
        _length += Encoding.Latin1.GetBytes(text, _buffer.AsSpan(_length));
    }

    private void AppendNumber(long value)
    {
        EnsureRoom(20);
        Utf8Formatter.TryFormat(value, _buffer.AsSpan(_length), out int written);
        _length += written;
    }

    private void EnsureRoom(int extra)
    {
        if (_length + extra <= _buffer.Length) return;
        // Larger than the pooled buffer (rare): the copy is an ordinary array, and the pooled one is left to the collector.
        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
        _pooled = false;
    }

    private static bool IsFramingHeader(string name) =>
        name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Connection", StringComparison.OrdinalIgnoreCase);

    private static byte[] StatusLine(int status) =>
        StatusLines.GetOrAdd(status, s => Encoding.ASCII.GetBytes($"HTTP/1.1 {s} {ReasonPhrases.For(s)}\r\n"));
}
