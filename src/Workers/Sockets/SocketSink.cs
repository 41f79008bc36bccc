using System.Net.Sockets;
using System.Runtime.InteropServices;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Stage;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Http.Stages;

namespace AkkaGunicorn.Workers.Sockets;

/// <summary>
/// Sends bytes on a connected socket and owns its closing. It pulls the next element only after the
/// previous one is wholly sent, so upstream may reuse its buffers and a slow client backpressures the
/// app. On completion it closes gracefully: shut down sending, then read and discard whatever the client
/// still sends (briefly) so that unread request bytes do not turn the close into a reset that destroys
/// the response. On failure it closes at once. The materialized task completes when the socket is closed.
/// <para>
/// A client that reads slower than <paramref name="minRate"/> bytes per second, measured over the time sends wait on it
/// and after a grace period, is cut off (Kestrel's MinResponseDataRate): otherwise a client that never reads holds a
/// connection, and the app's response, for as long as it likes. An upgraded connection is exempt: its app decides.
/// </para>
/// </summary>
/// <param name="minRate">The slowest acceptable reader, in bytes per second; 0 for no limit.</param>
/// <param name="grace">How long a reader may be slower before it counts.</param>
/// <param name="tooSlow">Called when a reader is cut off, or null.</param>
/// <param name="socket">The socket, or null to take it from the graph's <see cref="ConnectionScope"/>.</param>
public sealed class SocketSink(int minRate = 0, TimeSpan grace = default, Action? tooSlow = null, Socket? socket = null)
    : GraphStageWithMaterializedValue<SinkShape<ReadOnlyMemory<byte>>, Task>
{
    internal readonly int MinRate = minRate;
    internal readonly long GraceMs = (long)grace.TotalMilliseconds;
    internal readonly Action? TooSlow = tooSlow;
    private static readonly TimeSpan LingerTime = TimeSpan.FromSeconds(2);
    private readonly Inlet<ReadOnlyMemory<byte>> _in = new("SocketSink.in");

    /// <inheritdoc />
    public override SinkShape<ReadOnlyMemory<byte>> Shape => new(_in);

    /// <inheritdoc />
    public override ILogicAndMaterializedValue<Task> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var scope = socket is null ? ConnectionScope.Of(inheritedAttributes) : null;
        return new LogicAndMaterializedValue<Task>(new Logic(this, socket ?? (Socket)scope!.Transport!, scope, closed), closed.Task);
    }

    private sealed class Logic : TimerGraphStageLogic, IInHandler
    {
        /// <inheritdoc />
        protected override object LogSource => StageLogSource.Of(this);

        private const string RateTimer = "rate";
        private readonly SocketSink _stage;
        private readonly Socket _socket;
        private readonly UpgradeSwitch? _upgrade;
        private readonly ConnectionScope? _scope;
        private readonly TaskCompletionSource _closed;
        private readonly SocketAsyncEventArgs _args = new();
        private ReadOnlyMemory<byte> _pending;
        private bool _sending, _finishing, _closeStarted;
        private readonly ReaderPace _pace;

        public Logic(SocketSink stage, Socket socket, ConnectionScope? scope, TaskCompletionSource closed) : base(stage.Shape)
        {
            _stage = stage;
            _socket = socket;
            _scope = scope;
            _upgrade = scope?.Upgrade;
            _closed = closed;
            _pace = new ReaderPace(stage.MinRate, stage.GraceMs);
            var onSent = GetAsyncCallback(OnSent);
            _args.Completed += (_, _) => onSent();
            SetHandler(stage._in, this);
        }

        public override void PreStart() => Pull(_stage._in);

        public void OnPush()
        {
            _pending = Grab(_stage._in);
            Send();
        }

        public void OnUpstreamFinish()
        {
            if (_sending) _finishing = true;
            else CloseGracefully();
        }

        public void OnUpstreamFailure(Exception e)
        {
            Log.Debug("Connection aborted: {0}", e);
            Abort();
            CompleteStage();
        }

        public override void PostStop()
        {
            if (!_closeStarted) Abort();
            // Undisposed, the event args' finalizer would keep this whole connection (its handler reaches every stage)
            // alive through a collection, and a new connection per request spent half its time in the GC for it.
            // Disposed during a send, it is freed when the send completes.
            _args.Dispose();
        }

        private void Send()
        {
            _sending = true;
            _args.SetBuffer(MemoryMarshal.AsMemory(_pending));
            try
            {
                if (_socket.SendAsync(_args)) Stalled();
                else
                {
                    if (_pace.Measuring) KeptUp();
                    OnSent();
                }
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
            _pace.Sent(_args.BytesTransferred);
            if (!_pending.IsEmpty) { Send(); return; }
            _sending = false;
            _pace.Paused(Environment.TickCount64);
            if (_finishing) CloseGracefully();
            else Pull(_stage._in);
        }

        /// <summary>A send must wait for the client to read: measure its pace (upgraded connections are exempt).</summary>
        private void Stalled()
        {
            if (_pace.Enabled && _upgrade?.Upgraded != true && _pace.Stalled(Environment.TickCount64))
                ScheduleRepeatedly(RateTimer, TimeSpan.FromSeconds(1));
        }

        private void KeptUp()
        {
            _pace.KeptUp();
            CancelTimer(RateTimer);
        }

        protected override void OnTimer(object timerKey)
        {
            if (!_sending || !_pace.TooSlow(Environment.TickCount64)) return;
            Log.Debug("Closing a connection whose client does not read its response");
            _stage.TooSlow?.Invoke();
            Abort();
            CompleteStage();
        }

        private void CloseGracefully()
        {
            _closeStarted = true;
            _scope?.LastSendDone();
            CompleteStage();
            LingeringCloses.Track(LingerAsync(_socket));
            _closed.TrySetResult();
        }

        private void Abort()
        {
            _closeStarted = true;
            try { _socket.Close(0); } catch (ObjectDisposedException) { }
            _closed.TrySetResult();
        }
    }

    /// <summary>
    /// Closes a socket whose response is sent: shut down sending, then read and discard, briefly, whatever the client
    /// still sends, so that unread request bytes do not turn the close into a reset that destroys the response.
    /// </summary>
    internal static async Task LingerAsync(Socket socket)
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
        }
    }

    // What a closing client still sends is read only to be thrown away: every connection may share one buffer.
    private static readonly byte[] Discard = new byte[4096];
}
