using System.Net.Sockets;
using Akka.Streams;
using Akka.Streams.Stage;
using AkkaGunicorn.Http.Server;

namespace AkkaGunicorn.Workers.Sockets;

/// <summary>
/// Bytes received on a connected socket. One receive per pull, into a buffer this stage owns and reuses: an element
/// is valid until the next pull, which the HTTP parser only makes once it is done with it. The buffer starts small
/// (most requests fit in 4 KiB, and an idle keep-alive connection keeps its buffer) and grows once a read fills it.
/// The small buffer comes from <see cref="ConnectionBuffers"/> and goes back once nothing can touch it: the stage has
/// stopped, no receive writes into it (or that receive has ended), and the app can no longer read the last element
/// as a body chunk (the app stage has stopped, see <see cref="ConnectionScope.ReleaseAfterBodyClosed"/>). A fresh
/// buffer per connection was a quarter of what a worker allocated for a connection that carries one request.
/// The receive is tried synchronously first (the runtime returns at once when data is ready); only when the socket is
/// empty does completion come back through an async callback. Completes on end of stream or when the socket is
/// closed under it.
/// </summary>
/// <param name="socket">The socket, or null to take it from the graph's <see cref="ConnectionScope"/>.</param>
/// <param name="bufferSize">The largest receive buffer.</param>
public sealed class SocketSource(Socket? socket = null, int bufferSize = 16 * 1024) : GraphStage<SourceShape<ReadOnlyMemory<byte>>>
{
    internal readonly int BufferSize = bufferSize;
    private readonly Outlet<ReadOnlyMemory<byte>> _out = new("SocketSource.out");

    /// <inheritdoc />
    public override SourceShape<ReadOnlyMemory<byte>> Shape => new(_out);

    /// <inheritdoc />
    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes)
    {
        var scope = socket is null ? ConnectionScope.Of(inheritedAttributes) : null;
        return new Logic(this, socket ?? (Socket)scope!.Transport!, scope);
    }

    private sealed class Logic : OutGraphStageLogic
    {
        private readonly SocketSource _stage;
        private readonly Socket _socket;
        private readonly ConnectionScope? _scope;
        private readonly SocketAsyncEventArgs _args = new();
        private byte[] _buffer;
        // Who holds the buffer: the stage until it stops, and a receive in flight (whose completion may come after the
        // stage stopped). The last to let go returns it, unless it grew or its last element is still lent out.
        private int _holds = 1;
        private bool _pooled, _lent;

        public Logic(SocketSource stage, Socket socket, ConnectionScope? scope) : base(stage.Shape)
        {
            _stage = stage;
            _socket = socket;
            _scope = scope;
            _pooled = stage.BufferSize >= ConnectionBuffers.Size;
            // Only received bytes are ever read: neither a pooled buffer nor a fresh one needs zeroing.
            _buffer = _pooled ? ConnectionBuffers.Pool.Rent(ConnectionBuffers.Size) : GC.AllocateUninitializedArray<byte>(stage.BufferSize);
            _args.SetBuffer(_buffer, 0, Math.Min(_buffer.Length, stage.BufferSize));
            var onReceived = GetAsyncCallback(OnReceived);
            // A completion that arrives after the stage stopped only lets go of the buffer.
            _args.Completed += (_, _) =>
            {
                if (Interlocked.Decrement(ref _holds) == 0) ReturnBuffer();
                else onReceived();
            };
            SetHandler(stage._out, this);
        }

        public override void OnPull()
        {
            _lent = false;
            Interlocked.Increment(ref _holds);
            bool pending;
            try
            {
                pending = _socket.ReceiveAsync(_args);
            }
            catch (ObjectDisposedException)
            {
                Interlocked.Decrement(ref _holds);
                CompleteStage();
                return;
            }
            if (!pending)
            {
                Interlocked.Decrement(ref _holds);
                OnReceived();
            }
        }

        public override void OnDownstreamFinish(Exception cause) => CompleteStage();

        public override void PostStop()
        {
            _args.Dispose();
            if (Interlocked.Decrement(ref _holds) != 0) return;
            // Nothing receives into it. The last element may still be read, though, as a body chunk in the app's
            // hands: then the buffer waits for the app stage to drop it (without a scope, the collector takes it).
            if (!_lent) ReturnBuffer();
            else if (_scope is not null) _scope.ReleaseAfterBodyClosed(ReturnBuffer);
        }

        private void ReturnBuffer()
        {
            if (!_pooled) return;
            _pooled = false;
            ConnectionBuffers.Pool.Return(_buffer);
        }

        private void OnReceived()
        {
            if (_args.SocketError != SocketError.Success || _args.BytesTransferred == 0)
            {
                // Reset, abort and end of stream all mean the same to HTTP: no more requests.
                CompleteStage();
                return;
            }
            var received = _buffer.AsMemory(0, _args.BytesTransferred);
            if (_args.BytesTransferred == _args.Count && _args.Count < _stage.BufferSize)
            {
                // A full read: a large head or a body is coming. The bytes just read stay valid in the old buffer,
                // which the collector takes (the element may outlive this stage's next receive).
                _pooled = false;
                _buffer = GC.AllocateUninitializedArray<byte>(_stage.BufferSize);
                _args.SetBuffer(_buffer, 0, _buffer.Length);
            }
            _lent = true;
            Push(_stage._out, received);
        }
    }
}
