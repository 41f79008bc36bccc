using System.Net.Sockets;
using System.Runtime.InteropServices;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Stage;

namespace AkkaGunicorn.Workers.Sockets;

/// <summary>
/// Sends bytes on a connected socket and owns its closing. It pulls the next element only after the
/// previous one is wholly sent, so upstream may reuse its buffers and a slow client backpressures the
/// app. On completion it closes gracefully: shut down sending, then read and discard whatever the client
/// still sends (briefly) so that unread request bytes do not turn the close into a reset that destroys
/// the response. On failure it closes at once. The materialized task completes when the socket is closed.
/// </summary>
public sealed class SocketSink(Socket socket) : GraphStageWithMaterializedValue<SinkShape<ReadOnlyMemory<byte>>, Task>
{
    internal readonly Socket Socket = socket;
    private static readonly TimeSpan LingerTime = TimeSpan.FromSeconds(2);
    private readonly Inlet<ReadOnlyMemory<byte>> _in = new("SocketSink.in");

    /// <inheritdoc />
    public override SinkShape<ReadOnlyMemory<byte>> Shape => new(_in);

    /// <inheritdoc />
    public override ILogicAndMaterializedValue<Task> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return new LogicAndMaterializedValue<Task>(new Logic(this, closed), closed.Task);
    }

    private sealed class Logic : InGraphStageLogic
    {
        private readonly SocketSink _stage;
        private readonly TaskCompletionSource _closed;
        private readonly SocketAsyncEventArgs _args = new();
        private ReadOnlyMemory<byte> _pending;
        private bool _sending, _finishing, _closeStarted;

        public Logic(SocketSink stage, TaskCompletionSource closed) : base(stage.Shape)
        {
            _stage = stage;
            _closed = closed;
            var onSent = GetAsyncCallback(OnSent);
            _args.Completed += (_, _) => onSent();
            SetHandler(stage._in, this);
        }

        public override void PreStart() => Pull(_stage._in);

        public override void OnPush()
        {
            _pending = Grab(_stage._in);
            Send();
        }

        public override void OnUpstreamFinish()
        {
            if (_sending) _finishing = true;
            else CloseGracefully();
        }

        public override void OnUpstreamFailure(Exception e)
        {
            Log.Debug("Connection aborted: {0}", e);
            Abort();
            CompleteStage();
        }

        public override void PostStop()
        {
            if (!_closeStarted) Abort();
        }

        private void Send()
        {
            _sending = true;
            _args.SetBuffer(MemoryMarshal.AsMemory(_pending));
            try
            {
                if (!_stage.Socket.SendAsync(_args)) OnSent();
            }
            catch (ObjectDisposedException)
            {
                Abort();
                CompleteStage();
            }
        }

        private void OnSent()
        {
            if (_args.SocketError != SocketError.Success)
            {
                // The client went away: cancel upstream so the app sees its request aborted.
                Abort();
                CompleteStage();
                return;
            }
            _pending = _pending[_args.BytesTransferred..];
            if (!_pending.IsEmpty) { Send(); return; }
            _sending = false;
            if (_finishing) CloseGracefully();
            else Pull(_stage._in);
        }

        private void CloseGracefully()
        {
            _closeStarted = true;
            CompleteStage();
            _ = LingerAndCloseAsync(_stage.Socket, _closed);
        }

        private void Abort()
        {
            _closeStarted = true;
            try { _stage.Socket.Close(0); } catch (ObjectDisposedException) { }
            _closed.TrySetResult();
        }

        private static async Task LingerAndCloseAsync(Socket socket, TaskCompletionSource closed)
        {
            try
            {
                socket.Shutdown(SocketShutdown.Send);
                using var timeout = new CancellationTokenSource(LingerTime);
                var sink = new byte[4096];
                while (await socket.ReceiveAsync(sink, SocketFlags.None, timeout.Token) > 0) { }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
            finally
            {
                socket.Dispose();
                closed.TrySetResult();
            }
        }
    }
}
