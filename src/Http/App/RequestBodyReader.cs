namespace AkkaGunicorn.Http.App;

/// <summary>
/// Hands body chunks from the connection's stage (one thread) to the app (another). The app asks for
/// data; only then does the stage pull the next chunk from the socket, so an unread body holds the
/// client back instead of filling memory. A chunk stays valid until the app asks for the next one.
/// </summary>
internal sealed class RequestBodyReader(Action requestMore)
{
    private readonly object _gate = new();
    private ReadOnlyMemory<byte> _chunk;
    private TaskCompletionSource? _waiter;
    private bool _ended, _demanded;
    private Exception? _error;

    /// <summary>Whether the stage has seen the end of the body.</summary>
    public bool Ended { get { lock (_gate) return _ended; } }

    /// <summary>Starts a new body; <paramref name="empty"/> for a request without one.</summary>
    public void Reset(bool empty)
    {
        lock (_gate)
        {
            _chunk = default;
            _waiter = null;
            _ended = empty;
            _demanded = false;
            _error = null;
        }
    }

    public async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (destination.IsEmpty) return 0;
        while (true)
        {
            Task wait;
            bool demand = false;
            lock (_gate)
            {
                if (!_chunk.IsEmpty)
                {
                    int n = Math.Min(_chunk.Length, destination.Length);
                    _chunk.Span[..n].CopyTo(destination.Span);
                    _chunk = _chunk[n..];
                    return n;
                }
                if (_error is not null) throw _error;
                if (_ended) return 0;
                if (_waiter is null)
                {
                    _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    demand = !_demanded;
                    _demanded = true;
                }
                wait = _waiter.Task;
            }
            if (demand) requestMore();
            await wait.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Stage side: the chunk the app asked for.</summary>
    public void Offer(ReadOnlyMemory<byte> chunk) => Settle(() => { _chunk = chunk; });

    /// <summary>Stage side: the body is complete.</summary>
    public void End() => Settle(() => _ended = true);

    /// <summary>Stage side: the body is broken or the connection is gone.</summary>
    public void Fail(Exception error) => Settle(() => _error ??= error);

    /// <summary>
    /// Stage side, as the connection's stages stop: fails the body and drops the chunk not yet read, whose bytes
    /// belong to a receive buffer that may go back to a pool once the stages are gone.
    /// </summary>
    public void Close(Exception error) => Settle(() =>
    {
        _error ??= error;
        _chunk = default;
    });

    private void Settle(Action change)
    {
        TaskCompletionSource? waiter;
        lock (_gate)
        {
            change();
            _demanded = false;
            waiter = _waiter;
            _waiter = null;
        }
        waiter?.TrySetResult();
    }
}
