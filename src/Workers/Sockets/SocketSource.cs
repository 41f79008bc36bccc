using System.Net.Sockets;
using Akka.Streams;
using Akka.Streams.Stage;

namespace AkkaGunicorn.Workers.Sockets;

/// <summary>
/// Bytes received on a connected socket. One receive per pull, into a buffer this stage owns and reuses:
/// an element is valid until the next pull, which the HTTP parser only makes once it is done with it.
/// The receive is tried synchronously first (the runtime returns at once when data is ready); only
/// when the socket is empty does completion come back through an async callback.
/// Completes on end of stream or when the socket is closed under it.
/// </summary>
public sealed class SocketSource(Socket socket, int bufferSize = 16 * 1024) : GraphStage<SourceShape<ReadOnlyMemory<byte>>>
{
    internal readonly Socket Socket = socket;
    internal readonly int BufferSize = bufferSize;
    private readonly Outlet<ReadOnlyMemory<byte>> _out = new("SocketSource.out");

    /// <inheritdoc />
    public override SourceShape<ReadOnlyMemory<byte>> Shape => new(_out);

    /// <inheritdoc />
    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : OutGraphStageLogic
    {
        private readonly SocketSource _stage;
        private readonly byte[] _buffer;
        private readonly SocketAsyncEventArgs _args = new();

        public Logic(SocketSource stage) : base(stage.Shape)
        {
            _stage = stage;
            _buffer = new byte[stage.BufferSize];
            _args.SetBuffer(_buffer, 0, _buffer.Length);
            var onReceived = GetAsyncCallback(OnReceived);
            _args.Completed += (_, _) => onReceived();
            SetHandler(stage._out, this);
        }

        public override void OnPull()
        {
            try
            {
                if (!_stage.Socket.ReceiveAsync(_args)) OnReceived();
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
            Push(_stage._out, _buffer.AsMemory(0, _args.BytesTransferred));
        }
    }
}
