using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using OurResponse = AkkaGunicorn.Http.App.HttpResponse;

namespace AkkaGunicorn.AspNetCore.Exchange;

/// <summary>
/// The response side. As on Kestrel, the response starts (OnStarting runs, status and headers freeze) at its first
/// stream write, its first flush, or the end of the request; PipeWriter bytes collect in the response pipe until then,
/// so a response written in one go leaves as one packet with a Content-Length. Stream writes go out at once.
/// </summary>
internal sealed partial class ExchangeFeatures<TContext> : IHttpResponseFeature, IHttpResponseBodyFeature, IHttpResponseTrailersFeature
{
    private readonly HeaderDictionary _responseHeaders = new();
    private readonly ResponseStream _responseStream;
    private readonly ResponsePipe _responsePipe;
    private IHeaderDictionary _responseTrailers;
    private readonly List<(Func<object, Task> Callback, object State)> _onStarting = new(2), _onCompleted = new(2);
    private OurResponse _response = null!;
    private int _statusCode;
    private bool _started, _completed;

    private void ResetResponse(OurResponse response)
    {
        _response = response;
        _statusCode = 200;
        ReasonPhrase = null;
        _responseHeaders.IsReadOnly = false;
        _responseHeaders.Clear();
        _responseTrailers = _responseTrailers is HeaderDictionary { IsReadOnly: false } own ? Cleared(own) : new HeaderDictionary();
        _responsePipe.Reset();
        _onStarting.Clear();
        _onCompleted.Clear();
        _started = _completed = _upgraded = false;
        _legacyBody = null;
    }

    private static HeaderDictionary Cleared(HeaderDictionary headers)
    {
        headers.Clear();
        return headers;
    }

    // IHttpResponseFeature
    public int StatusCode
    {
        get => _statusCode;
        set
        {
            if (_started) throw new InvalidOperationException("StatusCode cannot be set because the response has already started.");
            _statusCode = value;
        }
    }

    public string? ReasonPhrase { get; set; }

    IHeaderDictionary IHttpResponseFeature.Headers { get => _responseHeaders; set => throw new NotSupportedException("The response headers cannot be replaced."); }

    private Stream? _legacyBody;

    [Obsolete("Use IHttpResponseBodyFeature.Stream instead.")]
    Stream IHttpResponseFeature.Body { get => _legacyBody ?? _responseStream; set => _legacyBody = value; }

    public bool HasStarted => _started;

    public void OnStarting(Func<object, Task> callback, object state)
    {
        if (_started) throw new InvalidOperationException("OnStarting cannot be registered after the response has started.");
        _onStarting.Add((callback, state));
    }

    public void OnCompleted(Func<object, Task> callback, object state) => _onCompleted.Add((callback, state));

    // IHttpResponseBodyFeature
    public Stream Stream => _responseStream;

    public PipeWriter Writer => _responsePipe;

    public void DisableBuffering() { }

    public Task StartAsync(CancellationToken cancellationToken = default) => _started ? Task.CompletedTask : StartResponseAsync();

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        await SendFileFallback.SendFileAsync(_responseStream, path, offset, count, cancellationToken);
    }

    public async Task CompleteAsync()
    {
        if (_completed) return;
        await FinishAsync();
        _completed = true;
        await Guard(_response.CompleteAsync());
    }

    // IHttpResponseTrailersFeature
    IHeaderDictionary IHttpResponseTrailersFeature.Trailers { get => _responseTrailers; set => _responseTrailers = value; }

    /// <summary>Whether the body is over (CompleteAsync): later writes are refused, as Kestrel refuses them.</summary>
    public bool IsCompleted => _completed;

    /// <summary>Runs the OnStarting callbacks (last registered first, as Kestrel does), then freezes status and headers.</summary>
    internal async Task StartResponseAsync()
    {
        for (int i = _onStarting.Count - 1; i >= 0; i--)
        {
            var (callback, state) = _onStarting[i];
            await callback(state);
        }
        _onStarting.Clear();
        Commit();
    }

    private void Commit()
    {
        if (_started) return;
        _started = true;
        _response.StatusCode = _statusCode;
        _response.ReasonPhrase = ReasonPhrase;
        HeaderCopy.Into(_response.Headers, _responseHeaders);
        _responseHeaders.IsReadOnly = true;
    }

    /// <summary>Sends the pipe's bytes on (starting the response if need be) and flushes them to the client.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (!_started) await StartResponseAsync();
        await TransferAsync(cancellationToken);
        await Guard(_response.FlushAsync(cancellationToken));
    }

    /// <summary>
    /// Writes through the stream: behind whatever the pipe holds, in order, and sends it at once. Kestrel's response
    /// stream sends every write (server-sent events and long polling rely on it); only PipeWriter writes wait for a
    /// flush.
    /// </summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (_completed) throw new InvalidOperationException("The response body has been completed; nothing more can be written.");
        if (!_started) await StartResponseAsync();
        await TransferAsync(cancellationToken);
        if (RequestAborted.IsCancellationRequested) return;
        await Guard(_response.WriteAsync(data, cancellationToken).AsTask());
        await Guard(_response.FlushAsync(cancellationToken));
    }

    /// <summary>The app is done: start the response if it never did and hand the rest to the connection, unflushed.</summary>
    internal async ValueTask FinishAsync()
    {
        if (_completed) return;
        if (!_started) await StartResponseAsync();
        await TransferAsync(default);
        HeaderCopy.Into(_response.Trailers, _responseTrailers);
    }

    /// <summary>Runs the OnCompleted callbacks once the response has left, last registered first.</summary>
    internal async ValueTask RunOnCompletedAsync()
    {
        if (_onCompleted.Count == 0) return;
        if (!_completed)
        {
            _completed = true;
            await Guard(_response.CompleteAsync());
        }
        List<Exception>? failures = null;
        for (int i = _onCompleted.Count - 1; i >= 0; i--)
        {
            var (callback, state) = _onCompleted[i];
            try
            {
                await callback(state);
            }
            catch (Exception e)
            {
                (failures ??= []).Add(e);
            }
        }
        if (failures is not null) throw new AggregateException("An OnCompleted callback failed.", failures);
    }

    /// <summary>An exception before the response started: Kestrel's answer is the bare status (500 for the app's own).</summary>
    internal void ReplaceWithError(int statusCode)
    {
        _responsePipe.Reset();
        _responseHeaders.Clear();
        _response.Headers.Clear();
        _statusCode = statusCode;
        ReasonPhrase = null;
        _responseHeaders.ContentLength = 0;
        Commit();
    }

    private ValueTask TransferAsync(CancellationToken cancellationToken)
    {
        var pending = _responsePipe.TakeUnflushed();
        if (pending.IsEmpty) return ValueTask.CompletedTask;
        if (RequestAborted.IsCancellationRequested) return ValueTask.CompletedTask;
        var write = _response.WriteAsync(pending, cancellationToken);
        return write.IsCompletedSuccessfully ? ValueTask.CompletedTask : new ValueTask(Guard(write.AsTask()));
    }

    /// <summary>
    /// A client that went away makes writes no-ops, as on Kestrel: the app learns it from RequestAborted, and a
    /// response it goes on writing is not an error.
    /// </summary>
    private async Task Guard(Task send)
    {
        try
        {
            await send;
        }
        catch (IOException)
        {
        }
    }
}
