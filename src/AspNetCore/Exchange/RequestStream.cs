using AkkaGunicorn.Http.Parsing;
using Microsoft.AspNetCore.Http;

namespace AkkaGunicorn.AspNetCore.Exchange;

/// <summary>
/// The request body as ASP.NET Core reads it (HttpRequest.Body): the connection's body stream, with Kestrel's rules on
/// top: the maximum body size (413), synchronous reads only when allowed, and malformed framing as a
/// <see cref="BadHttpRequestException"/> with its status code.
/// </summary>
internal sealed class RequestStream(IRequestStreamOwner owner) : Stream
{
    private Stream _body = Null;
    private long _read;

    /// <summary>Whether the app has started reading; the size limit is fixed from then on.</summary>
    public bool HasStarted { get; private set; }

    public void Reset(Stream body)
    {
        _body = body;
        _read = 0;
        HasStarted = false;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!HasStarted) Begin();
        int read;
        try
        {
            read = await _body.ReadAsync(buffer, cancellationToken);
        }
        catch (HttpParseException e)
        {
            throw new BadHttpRequestException($"Bad request body: {e.Reason}.", e.StatusCode, e);
        }
        _read += read;
        if (owner.MaxRequestBodySize is { } max && _read > max) throw TooLarge(max);
        if (read == 0 && buffer.Length > 0) owner.OnRequestBodyEnded();
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        owner.ThrowUnlessSynchronousIO("Synchronous operations are disallowed. Call ReadAsync or set AllowSynchronousIO to true instead.");
        return ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    }

    private void Begin()
    {
        HasStarted = true;
        // Kestrel refuses a body declared too large before reading any of it.
        if (owner.MaxRequestBodySize is { } max && owner.DeclaredRequestLength > max) throw TooLarge(max);
    }

    private static BadHttpRequestException TooLarge(long max) =>
        new($"Request body too large. The max request body size is {max} bytes.", StatusCodes.Status413PayloadTooLarge);

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>What the request stream needs from the exchange it belongs to.</summary>
internal interface IRequestStreamOwner
{
    /// <summary>The body size limit now, or null for none.</summary>
    long? MaxRequestBodySize { get; }

    /// <summary>The declared Content-Length, if any.</summary>
    long? DeclaredRequestLength { get; }

    /// <summary>The body has been read to its end.</summary>
    void OnRequestBodyEnded();

    /// <summary>Throws <see cref="InvalidOperationException"/> with <paramref name="message"/> unless synchronous IO is allowed.</summary>
    void ThrowUnlessSynchronousIO(string message);
}
