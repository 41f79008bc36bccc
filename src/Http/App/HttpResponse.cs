using System.Runtime.InteropServices;
using System.Text;

namespace AkkaGunicorn.Http.App;

/// <summary>
/// The response to one request. Writes are buffered up to a small window, so a response written
/// and finished in one go leaves as one packet with a Content-Length; <see cref="FlushAsync"/>
/// sends what is buffered at once (the head first, then the body, chunked when its length is unknown).
/// Every write completes only when the connection has taken the bytes: a slow client slows the app down
/// instead of filling memory.
/// </summary>
public sealed class HttpResponse
{
    internal const int BufferSize = 16 * 1024;

    private byte[]? _buffer;
    private int _buffered;
    private int _statusCode = 200;
    private Task _pendingSend = Task.CompletedTask;
    private IResponseChannel? _channel;
    private Stream? _body;

    /// <summary>The status code; 200 unless set. Fixed once the response has started.</summary>
    public int StatusCode
    {
        get => _statusCode;
        set
        {
            ThrowIfStarted();
            if (value is < 100 or > 999) throw new ArgumentOutOfRangeException(nameof(value), value, "A status code has three digits.");
            _statusCode = value;
        }
    }

    /// <summary>The reason phrase; the standard one for <see cref="StatusCode"/> when null.</summary>
    public string? ReasonPhrase { get; set; }

    /// <summary>
    /// The header fields. The server adds Date, Server, Content-Length or Transfer-Encoding, and Connection
    /// itself; a Content-Length set here is honoured and enforced.
    /// </summary>
    public HeaderList Headers { get; } = new(8);

    /// <summary>
    /// Trailer fields, sent after a chunked body (a response whose length was unknown when its head left). A response
    /// sent with a Content-Length has no room for them, and they are dropped.
    /// </summary>
    public HeaderList Trailers { get; } = new(0);

    /// <summary>Whether <see cref="CompleteAsync"/> has ended the response.</summary>
    public bool IsCompleted { get; private set; }

    /// <summary>Whether the head has been sent; after that, status and headers can no longer change.</summary>
    public bool HasStarted { get; private set; }

    /// <summary>Body bytes written so far, buffered or sent.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>The body as a write-only stream (asynchronous writes only).</summary>
    public Stream Body => _body ??= new ResponseBodyStream(this);

    internal long? DeclaredContentLength { get; private set; }

    internal ReadOnlyMemory<byte> Buffered => _buffer.AsMemory(0, _buffered);

    /// <summary>Writes body bytes.</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (IsCompleted) throw new InvalidOperationException("The response has been completed; nothing more can be written.");
        if (!HasStarted && BytesWritten == 0) DeclaredContentLength = ParseDeclaredLength();
        if (DeclaredContentLength is { } declared && BytesWritten + data.Length > declared)
            throw new InvalidOperationException($"Response body exceeds the declared Content-Length of {declared} bytes.");
        BytesWritten += data.Length;
        _buffer ??= System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        if (_pendingSend.IsCompleted && data.Length <= _buffer.Length - _buffered)
        {
            data.Span.CopyTo(_buffer.AsSpan(_buffered));
            _buffered += data.Length;
            return ValueTask.CompletedTask;
        }
        return WriteSlowAsync(data, cancellationToken);
    }

    /// <summary>Writes text, UTF-8 encoded.</summary>
    public ValueTask WriteAsync(string text, CancellationToken cancellationToken = default) =>
        WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>Sends the head (if not yet sent) and everything buffered, and waits until the connection has taken it.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _pendingSend.WaitAsync(cancellationToken);
        await SendBufferedAsync().WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Ends the response now: sends what is buffered, the end of the body and the trailers, and waits until the
    /// connection has taken them. The app may go on running (to clean up, say) but may write nothing more; the
    /// connection's next request waits until it returns. Without this, the response ends when the app returns.
    /// </summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (IsCompleted) return;
        await _pendingSend.WaitAsync(cancellationToken);
        IsCompleted = true;
        DeclaredContentLength ??= ParseDeclaredLength();
        await Channel.CompleteAsync(this).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Closes the connection at once: an unfinished response stays unfinished, so the client sees it fail rather
    /// than mistake it for a whole one. The request's cancellation token fires.
    /// </summary>
    public void Abort() => _channel?.Abort();

    /// <summary>
    /// Switches the connection to another protocol (WebSocket, say), for a request whose
    /// <see cref="HttpRequest.IsUpgradeRequest"/> is true: sends <c>101 Switching Protocols</c> with <see cref="Headers"/>
    /// (the app sets <c>Upgrade</c> and whatever the protocol needs; <c>Connection: Upgrade</c> is added) and returns the
    /// connection as a stream both ways. Reads give the client's bytes as they come (0 when the client has closed),
    /// each write is sent at once and completes when the connection has taken it, and disposing the stream (or the
    /// app returning) closes the connection. The connection counts against <c>worker_connections</c> like any other.
    /// </summary>
    public Task<Stream> UpgradeAsync()
    {
        ThrowIfStarted();
        if (BytesWritten > 0) throw new InvalidOperationException("The response has a body; a switch of protocols cannot.");
        StatusCode = 101;
        return Channel.UpgradeAsync(this);
    }

    private async ValueTask WriteSlowAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _pendingSend.WaitAsync(cancellationToken);
        if (data.Length <= _buffer!.Length - _buffered)
        {
            data.Span.CopyTo(_buffer.AsSpan(_buffered));
            _buffered += data.Length;
            return;
        }
        await SendBufferedAsync().WaitAsync(cancellationToken);
        if (data.Length <= _buffer.Length)
        {
            data.Span.CopyTo(_buffer);
            _buffered = data.Length;
            return;
        }
        // Large writes go out from the caller's own memory; it stays untouched until the send completes.
        if (!MemoryMarshal.TryGetArray(data, out ArraySegment<byte> _)) data = data.ToArray();
        _pendingSend = Channel.SendAsync(this, data);
        await _pendingSend.WaitAsync(cancellationToken);
    }

    private Task SendBufferedAsync()
    {
        if (_buffered == 0 && HasStarted) return Task.CompletedTask;
        var data = Buffered;
        DeclaredContentLength ??= ParseDeclaredLength();
        _pendingSend = SendAndRecycleAsync(data);
        return _pendingSend;
    }

    private async Task SendAndRecycleAsync(ReadOnlyMemory<byte> data)
    {
        await Channel.SendAsync(this, data);
        _buffered = 0;
    }

    private IResponseChannel Channel => _channel ?? throw new InvalidOperationException("The response is not attached to a connection.");

    internal void MarkStarted() => HasStarted = true;

    /// <summary>
    /// The connection has sent the whole response: the write buffer goes back to the pool until the next response
    /// needs one, so an idle keep-alive connection holds none.
    /// </summary>
    internal void ReleaseBuffer()
    {
        if (_buffer is null || !_pendingSend.IsCompleted) return;
        System.Buffers.ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
        _buffered = 0;
    }

    internal long? ParseDeclaredLength()
    {
        var text = Headers["Content-Length"];
        return text is not null && long.TryParse(text, out var length) && length >= 0 ? length : null;
    }

    internal void Reset(IResponseChannel channel)
    {
        _channel = channel;
        _statusCode = 200;
        ReasonPhrase = null;
        Headers.Clear();
        Trailers.Clear();
        IsCompleted = false;
        HasStarted = false;
        BytesWritten = 0;
        _buffered = 0;
        DeclaredContentLength = null;
        _pendingSend = Task.CompletedTask;
    }

    private void ThrowIfStarted()
    {
        if (HasStarted) throw new InvalidOperationException("The response has already started.");
    }
}
