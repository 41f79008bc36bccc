using System.Net.Sockets;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Stage;
using AkkaGunicorn.Http.Stages;

namespace AkkaGunicorn.Workers.Sockets;

/// <summary>
/// Connections accepted from a listening socket this process shares with its Arbiter and siblings.
/// It accepts only when pulled, so a worker at its connection limit leaves new connections in the
/// shared kernel queue for a sibling.
/// <para>
/// It stops when its <see cref="AcceptSwitch"/> says so, and only once the accept under way has given its
/// answer: the accept is cancelled, and a connection it took regardless is pushed and served. With
/// <see cref="AcceptSwitch.SweepBacklog"/> it then takes, without waiting, every connection the kernel has
/// already queued, and closes its descriptor. While <paramref name="gate"/> says no (the worker holds more than its
/// share and a sibling takes connections), it leaves new connections to its siblings, tells the gate it holds back,
/// and asks again shortly. Should the stream downstream go away first, a connection still arriving goes to
/// <paramref name="straggler"/>: a worker never resets a connection the kernel gave it.
/// </para>
/// </summary>
public sealed class ConnectionSource(Socket listener, AcceptSwitch acceptSwitch, Action<Socket> straggler, IAcceptGate? gate = null)
    : GraphStage<SourceShape<Socket>>
{
    internal readonly Socket Listener = listener;
    internal readonly IAcceptGate? Gate = gate;
    internal readonly AcceptSwitch Switch = acceptSwitch;
    internal readonly Action<Socket> Straggler = straggler;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);
    // Short enough that a worker falling behind its siblings takes connections again at once, long enough to cost nothing.
    private static readonly TimeSpan GateDelay = TimeSpan.FromMilliseconds(5);
    private readonly Outlet<Socket> _out = new("ConnectionSource.out");

    /// <inheritdoc />
    public override SourceShape<Socket> Shape => new(_out);

    /// <inheritdoc />
    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : TimerGraphStageLogic, IOutHandler
    {
        /// <inheritdoc />
        protected override object LogSource => StageLogSource.Of(this);

        private readonly ConnectionSource _stage;
        private readonly TaskCompletionSource _stopped;
        // Linked to the switch, and cancelled on its own when downstream goes away.
        private readonly CancellationTokenSource _cancel;
        private readonly Action<Task<Socket>> _onAccepted;
        private readonly Action _onStopRequested;
        private CancellationTokenRegistration _registration;
        private bool _pending, _sweeping, _orphaned, _holdingBack;

        public Logic(ConnectionSource stage) : base(stage.Shape)
        {
            _stage = stage;
            _stopped = stage.Switch.Track();
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(stage.Switch.StopRequested);
            _onAccepted = GetAsyncCallback<Task<Socket>>(OnAccepted);
            _onStopRequested = GetAsyncCallback(OnStopRequested);
            SetHandler(stage._out, this);
        }

        public override void PreStart()
        {
            _registration = _stage.Switch.StopRequested.UnsafeRegister(_ => _onStopRequested(), null);
            _stage.Gate?.Lane(true);
        }

        /// <summary>Tells the gate when this stage starts or stops holding back, for siblings to see.</summary>
        private void HoldBack(bool holdingBack)
        {
            if (_holdingBack == holdingBack) return;
            _holdingBack = holdingBack;
            _stage.Gate?.HoldingBack(holdingBack);
        }

        public void OnPull()
        {
            if (_sweeping) SweepOne();
            else if (_cancel.IsCancellationRequested) StopAccepting();
            else Accept();
        }

        public void OnDownstreamFinish(Exception cause)
        {
            if (!_pending) { CompleteStage(); return; }
            // Stay until the pending accept answers; what it brings goes to the straggler handler.
            _orphaned = true;
            SetKeepGoing(true);
            _cancel.Cancel();
        }

        public override void PostStop()
        {
            HoldBack(false);
            _stage.Gate?.Lane(false);
            _registration.Dispose();
            _cancel.Dispose();
            _stopped.TrySetResult();
        }

        protected override void OnTimer(object timerKey)
        {
            if (_cancel.IsCancellationRequested) StopAccepting();
            else Accept();
        }

        private void OnStopRequested()
        {
            // With an accept pending, its cancelled (or successful) answer moves us on; without one,
            // nothing would: there is no demand (the worker is at its connection limit) or a retry waits.
            if (_pending) return;
            CancelTimer("retry");
            CancelTimer("gate");
            if (IsAvailable(_stage._out)) StopAccepting();
            else if (!_stage.Switch.SweepBacklog) CompleteStage();
        }

        private void Accept()
        {
            if (_stage.Gate?.MayAccept() == false)
            {
                HoldBack(true);
                ScheduleOnce("gate", GateDelay);
                return;
            }
            HoldBack(false);
            Task<Socket> accept;
            try
            {
                accept = _stage.Listener.AcceptAsync(_cancel.Token).AsTask();
            }
            catch (ObjectDisposedException)
            {
                CompleteStage();
                return;
            }
            if (accept.IsCompleted) { OnAccepted(accept); return; }
            _pending = true;
            accept.ContinueWith(_onAccepted, TaskContinuationOptions.ExecuteSynchronously);
        }

        private void OnAccepted(Task<Socket> accept)
        {
            _pending = false;
            if (accept.IsCompletedSuccessfully)
            {
                if (_orphaned) { _stage.Straggler(accept.Result); CompleteStage(); }
                else Push(_stage._out, accept.Result);
                return;
            }
            if (_orphaned) { CompleteStage(); return; }
            if (accept.IsCanceled) { StopAccepting(); return; }
            var error = (accept.Exception!.GetBaseException() as SocketException)?.SocketErrorCode;
            if (error is null or SocketError.OperationAborted or SocketError.Shutdown or SocketError.NotSocket or SocketError.InvalidArgument)
            {
                CompleteStage();
                return;
            }
            // EMFILE, ECONNABORTED and friends are transient: back off rather than spin.
            Log.Warning("accept() failed on {0}: {1}; retrying", _stage.Listener.LocalEndPoint, error);
            ScheduleOnce("retry", RetryDelay);
        }

        /// <summary>Called with demand, once no accept is pending and the switch is off.</summary>
        private void StopAccepting()
        {
            if (!_stage.Switch.SweepBacklog) { CompleteStage(); return; }
            _sweeping = true;
            SweepOne();
        }

        private void SweepOne()
        {
            try
            {
                _stage.Listener.Blocking = false;
                Push(_stage._out, _stage.Listener.Accept());
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // EAGAIN: the queue is empty (anything else: nothing more can be taken either). A sweep is for a
                // stopping server, which nobody else will serve: close our descriptor in the same breath, so that
                // the queue, once the last one is gone, has no window to take connections nobody will accept.
                _stage.Listener.Dispose();
                CompleteStage();
            }
        }
    }
}
