using System.Net.Sockets;
using System.Runtime.InteropServices;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Stage;
using AkkaGunicorn.Http.Server;

namespace AkkaGunicorn.Workers.Sockets;

/// <summary>
/// Sends bytes on a connected socket and owns its closing. It pulls the next element only after the
/// previous one is wholly sent, so upstream may reuse its buffers and a slow client backpressures the
/// app. On completion it closes gracefully: shut down sending, then read and discard whatever the client
/// still sends (briefly) so that unread request bytes do not turn the close into a reset that destroys
/// the response. On failure it closes at once. The materialized task completes when the socket is closed.
/// </summary>
/// <param name="socket">The socket, or null to take it from the graph's <see cref="ConnectionScope"/>.</param>
public sealed class SocketSink(Socket? socket = null) : GraphStageWithMaterializedValue<SinkShape<ReadOnlyMemory<byte>>, Task>
{
    private static readonly TimeSpan LingerTime = TimeSpan.FromSeconds(2);
    private readonly Inlet<ReadOnlyMemory<byte>> _in = new("SocketSink.in");

    /// <inheritdoc />
    public override SinkShape<ReadOnlyMemory<byte>> Shape => new(_in);

    /// <inheritdoc />
    public override ILogicAndMaterializedValue<Task> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return new LogicAndMaterializedValue<Task>(new Logic(this, socket ?? (Socket)ConnectionScope.Of(inheritedAttributes).Transport!, closed), closed.Task);
    }

    private sealed class Logic : InGraphStageLogic
    {
        private readonly SocketSink _stage;
        private readonly Socket _socket;
        private readonly TaskCompletionSource _closed;
        private readonly SocketAsyncEventArgs _args = new();
        private ReadOnlyMemory<byte> _pending;
        private bool _sending, _finishing, _closeStarted;

        public Logic(SocketSink stage, Socket socket, TaskCompletionSource closed) : base(stage.Shape)
        {
            _stage = stage;
            _socket = socket;
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
                if (!_socket.SendAsync(_args)) OnSent();
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
            _ = LingerAndCloseAsync(_socket, _closed);
        }

        private void Abort()
        {
            _closeStarted = true;
            try { _socket.Close(0); } catch (ObjectDisposedException) { }
            _closed.TrySetResult();
        }

        private static async Task LingerAndCloseAsync(Socket socket, TaskCompletionSource closed)
        {
            try
            {
                socket.Shutdown(SocketShutdown.Send);
                var deadline = LingerClock.Deadline(LingerTime);
                while (await socket.ReceiveAsync(Discard, SocketFlags.None, deadline) > 0) { }
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

        // What a closing client still sends is read only to be thrown away: every connection may share one buffer.
        private static readonly byte[] Discard = new byte[4096];
    }
}
