namespace AkkaGunicorn.AspNetCore.Exchange;

/// <summary>
/// The response body as a Stream (HttpResponse.Body). Writes queue behind the pipe's bytes; synchronous writes are
/// refused unless the app allows synchronous IO, as on Kestrel.
/// </summary>
internal sealed class ResponseStream(IResponseStreamOwner owner) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        owner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        owner.WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => owner.FlushAsync(cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        owner.ThrowUnlessSynchronousIO("Synchronous operations are disallowed. Call WriteAsync or set AllowSynchronousIO to true instead.");
        owner.WriteAsync(buffer.AsMemory(offset, count), default).AsTask().GetAwaiter().GetResult();
    }

    public override void Flush()
    {
        owner.ThrowUnlessSynchronousIO("Synchronous operations are disallowed. Call FlushAsync or set AllowSynchronousIO to true instead.");
        owner.FlushAsync(default).AsTask().GetAwaiter().GetResult();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>What the response stream needs from the exchange it belongs to.</summary>
internal interface IResponseStreamOwner
{
    /// <summary>Writes behind whatever the pipe holds.</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Sends everything written so far.</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken);

    /// <summary>Throws <see cref="InvalidOperationException"/> with <paramref name="message"/> unless synchronous IO is allowed.</summary>
    void ThrowUnlessSynchronousIO(string message);
}
