using Akka.Event;
using Akka.Streams;
using Akka.Streams.Stage;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Workers.Sockets;
using AkkaGunicorn.Http.Stages;

namespace AkkaGunicorn.Workers.Tls;

/// <summary>
/// Encrypts and sends bytes on a TLS connection and owns its closing, as the plain socket sink does: the next element is
/// pulled once the previous one is sent; completion sends TLS's close_notify, shuts down sending and lingers briefly
/// over what the client still sends; failure closes at once; a client that reads slower than the minimum rate is cut
/// off. The materialized task completes when the connection is closed.
/// </summary>
/// <param name="minRate">The slowest acceptable reader, in bytes per second; 0 for no limit.</param>
/// <param name="grace">How long a reader may be slower before it counts.</param>
/// <param name="tooSlow">Called when a reader is cut off, or null.</param>
public sealed class TlsSink(int minRate = 0, TimeSpan grace = default, Action? tooSlow = null)
    : GraphStageWithMaterializedValue<SinkShape<ReadOnlyMemory<byte>>, Task>
{
    private readonly Inlet<ReadOnlyMemory<byte>> _in = new("TlsSink.in");
    private readonly int _minRate = minRate;
    private readonly long _graceMs = (long)grace.TotalMilliseconds;
    private readonly Action? _tooSlow = tooSlow;

    /// <inheritdoc />
    public override SinkShape<ReadOnlyMemory<byte>> Shape => new(_in);

    /// <inheritdoc />
    public override ILogicAndMaterializedValue<Task> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var scope = ConnectionScope.Of(inheritedAttributes);
        return new LogicAndMaterializedValue<Task>(new Logic(this, (TlsTransport)scope.Transport!, scope, closed), closed.Task);
    }

    private sealed class Logic : TimerGraphStageLogic, IInHandler
    {
        /// <inheritdoc />
        protected override object LogSource => StageLogSource.Of(this);

        private const string RateTimer = "rate";
        private readonly TlsSink _stage;
        private readonly TlsTransport _transport;
        private readonly Http.Stages.UpgradeSwitch _upgrade;
        private readonly ConnectionScope _scope;
        private readonly TaskCompletionSource _closed;
        private readonly ReaderPace _pace;
        private readonly Action<Task> _onWritten;
        private bool _writing, _finishing, _closeStarted;
        private int _writeLength;

        public Logic(TlsSink stage, TlsTransport transport, ConnectionScope scope, TaskCompletionSource closed) : base(stage.Shape)
        {
            _stage = stage;
            _transport = transport;
            _scope = scope;
            _upgrade = scope.Upgrade;
            _closed = closed;
            _pace = new ReaderPace(stage._minRate, stage._graceMs);
            _onWritten = GetAsyncCallback<Task>(OnWritten);
            SetHandler(stage._in, this);
        }

        public override void PreStart() => Pull(_stage._in);

        public void OnPush()
        {
            var data = Grab(_stage._in);
            _writing = true;
            Task write;
            try
            {
                var pending = _transport.Stream.WriteAsync(data);
                write = pending.IsCompletedSuccessfully ? Task.CompletedTask : pending.AsTask();
            }
            catch (Exception e)
            {
                write = Task.FromException(e);
            }
            if (write.IsCompleted)
            {
                if (_pace.Measuring) KeptUp();
                OnWritten(write);
                return;
            }
            if (_pace.Enabled && !_upgrade.Upgraded && _pace.Stalled(Environment.TickCount64)) ScheduleRepeatedly(RateTimer, TimeSpan.FromSeconds(1));
            // Counted once the client has taken them: a write the client never reads counts nothing.
            _writeLength = data.Length;
            write.ContinueWith(_onWritten, TaskContinuationOptions.ExecuteSynchronously);
        }

        private void KeptUp()
        {
            _pace.KeptUp();
            CancelTimer(RateTimer);
        }

        private void OnWritten(Task write)
        {
            _writing = false;
            if (!write.IsCompletedSuccessfully)
            {
                Abort();
                CompleteStage();
                return;
            }
            _pace.Sent(_writeLength);
            _writeLength = 0;
            _pace.Paused(Environment.TickCount64);
            if (_finishing) CloseGracefully();
            else Pull(_stage._in);
        }

        public void OnUpstreamFinish()
        {
            if (_writing) _finishing = true;
            else CloseGracefully();
        }

        public void OnUpstreamFailure(Exception e)
        {
            Log.Debug("TLS connection aborted: {0}", e);
            Abort();
            CompleteStage();
        }

        protected override void OnTimer(object timerKey)
        {
            if (!_writing || !_pace.TooSlow(Environment.TickCount64)) return;
            Log.Debug("Closing a TLS connection whose client does not read its response");
            _stage._tooSlow?.Invoke();
            Abort();
            CompleteStage();
        }

        public override void PostStop()
        {
            if (!_closeStarted) Abort();
        }

        private void CloseGracefully()
        {
            _closeStarted = true;
            // SslStream has encrypted every write into buffers of its own by now.
            _scope.LastSendDone();
            CompleteStage();
            _ = CloseAsync(_transport, _closed);
        }

        private void Abort()
        {
            _closeStarted = true;
            try { _transport.Socket.Close(0); } catch (ObjectDisposedException) { }
            _transport.Stream.Dispose();
            _closed.TrySetResult();
        }

        private static async Task CloseAsync(TlsTransport transport, TaskCompletionSource closed)
        {
            try
            {
                if (transport.Stream.IsAuthenticated) await transport.Stream.ShutdownAsync().WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception)
            {
                // A client gone or stalled: nothing to tell it.
            }
            // The response is out, close_notify included: the connection is served; its socket lingers on its own.
            closed.TrySetResult();
            LingeringCloses.Track(LingerAsync(transport));
        }

        private static async Task LingerAsync(TlsTransport transport)
        {
            try
            {
                await SocketSink.LingerAsync(transport.Socket);
            }
            finally
            {
                transport.Stream.Dispose();
            }
        }
    }
}
