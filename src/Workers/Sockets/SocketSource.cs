using System.Net.Sockets;
using Akka.Streams;
using Akka.Streams.Stage;
using AkkaGunicorn.Http.Server;

namespace AkkaGunicorn.Workers.Sockets;

/// <summary>
/// Bytes received on a connected socket. One receive per pull, into a buffer this stage owns and reuses: an element
/// is valid until the next pull, which the HTTP parser only makes once it is done with it. The buffer starts small
/// (most requests fit in 4 KiB, and an idle keep-alive connection keeps its buffer) and grows once a read fills it.
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
    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) =>
        new Logic(this, socket ?? (Socket)ConnectionScope.Of(inheritedAttributes).Transport!);

    private sealed class Logic : OutGraphStageLogic
    {
        private const int InitialBufferSize = 4 * 1024;
        private readonly SocketSource _stage;
        private readonly Socket _socket;
        private readonly SocketAsyncEventArgs _args = new();
        private byte[] _buffer;

        public Logic(SocketSource stage, Socket socket) : base(stage.Shape)
        {
            _stage = stage;
            _socket = socket;
            // Only received bytes are ever read: no need to zero a fresh buffer per connection.
            _buffer = GC.AllocateUninitializedArray<byte>(Math.Min(InitialBufferSize, stage.BufferSize));
            _args.SetBuffer(_buffer, 0, _buffer.Length);
            var onReceived = GetAsyncCallback(OnReceived);
            _args.Completed += (_, _) => onReceived();
            SetHandler(stage._out, this);
        }

        public override void OnPull()
        {
            try
            {
                if (!_socket.ReceiveAsync(_args)) OnReceived();
            }
            catch (ObjectDisposedException)
            {
                CompleteStage();
            }
        }

        public override void OnDownstreamFinish(Exception cause) => CompleteStage();

        public override void PostStop() => _args.Dispose();

        private void OnReceived()
        {
            if (_args.SocketError != SocketError.Success || _args.BytesTransferred == 0)
            {
                // Reset, abort and end of stream all mean the same to HTTP: no more requests.
                CompleteStage();
                return;
            }
            var received = _buffer.AsMemory(0, _args.BytesTransferred);
            if (_args.BytesTransferred == _buffer.Length && _buffer.Length < _stage.BufferSize)
            {
                // A full read: a large head or a body is coming. The bytes just read stay valid in the old buffer.
                _buffer = GC.AllocateUninitializedArray<byte>(_stage.BufferSize);
                _args.SetBuffer(_buffer, 0, _buffer.Length);
            }
            Push(_stage._out, received);
        }
    }
}
