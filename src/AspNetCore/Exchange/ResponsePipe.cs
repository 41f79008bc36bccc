using System.Buffers;
using System.IO.Pipelines;

namespace AkkaGunicorn.AspNetCore.Exchange;

/// <summary>
/// The response body as a PipeWriter (HttpResponse.BodyWriter). Advanced bytes wait in one pooled buffer until a
/// flush, a stream write or the end of the request hands them to the connection. Unlike Kestrel, it does not demand
/// StartAsync before GetMemory: anything that works there works here.
/// </summary>
internal sealed class ResponsePipe(IResponsePipeOwner owner) : PipeWriter
{
    private const int MinimumSize = 4096;
    private byte[]? _buffer;
    private int _written;
    private bool _writerCompleted;

    /// <inheritdoc />
    public override bool CanGetUnflushedBytes => true;

    /// <inheritdoc />
    public override long UnflushedBytes => _written;

    /// <summary>Empties the pipe for the next request; the buffer goes back to the pool.</summary>
    public void Reset()
    {
        if (_buffer is not null) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
        _written = 0;
        _writerCompleted = false;
    }

    /// <summary>The bytes advanced since the last take; valid until the next <see cref="GetMemory"/>.</summary>
    public ReadOnlyMemory<byte> TakeUnflushed()
    {
        var taken = _buffer.AsMemory(0, _written);
        _written = 0;
        return taken;
    }

    /// <inheritdoc />
    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureRoom(sizeHint);
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc />
    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureRoom(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <inheritdoc />
    public override void Advance(int bytes)
    {
        if (bytes < 0 || _buffer is null || _written + bytes > _buffer.Length) throw new ArgumentOutOfRangeException(nameof(bytes));
        if (owner.IsCompleted || _writerCompleted) throw new InvalidOperationException("The response body has been completed; nothing more can be written.");
        _written += bytes;
    }

    /// <inheritdoc />
    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        await owner.FlushAsync(cancellationToken);
        return new FlushResult(isCanceled: false, isCompleted: owner.RequestAborted.IsCancellationRequested);
    }

    /// <inheritdoc />
    public override void CancelPendingFlush() { }

    /// <inheritdoc />
    public override void Complete(Exception? exception = null) => _writerCompleted = true;

    /// <inheritdoc />
    public override async ValueTask CompleteAsync(Exception? exception = null)
    {
        _writerCompleted = true;
        if (exception is null) await owner.CompleteAsync();
    }

    private void EnsureRoom(int sizeHint)
    {
        int needed = Math.Max(sizeHint, 1);
        if (_buffer is not null && _buffer.Length - _written >= needed) return;
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(MinimumSize, Math.Max(_written + needed, (_buffer?.Length ?? 0) * 2)));
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _written).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
        }
        _buffer = larger;
    }
}

/// <summary>What the response pipe needs from the exchange it belongs to.</summary>
internal interface IResponsePipeOwner
{
    /// <summary>Whether the response has been completed.</summary>
    bool IsCompleted { get; }

    /// <summary>Cancelled when the client has gone.</summary>
    CancellationToken RequestAborted { get; }

    /// <summary>Starts the response if need be and sends the pipe's bytes.</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken);

    /// <summary>Ends the response.</summary>
    Task CompleteAsync();
}
