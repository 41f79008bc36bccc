using System.Net.Sockets;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Stage;

namespace AkkaGunicorn.Workers.Sockets;

/// <summary>
/// Connections accepted from a listening socket this process shares with its Arbiter and siblings.
/// It accepts only when pulled, so a worker at its connection limit leaves new connections in the
/// shared kernel queue for a sibling. Stopping the stage cannot withdraw an accept already under
/// way; a connection that accept still delivers is handed to <paramref name="straggler"/> rather
/// than dropped, so that a draining worker never resets a connection the kernel gave it.
/// </summary>
public sealed class ConnectionSource(Socket listener, Action<Socket> straggler) : GraphStage<SourceShape<Socket>>
{
    internal readonly Socket Listener = listener;
    internal readonly Action<Socket> Straggler = straggler;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);
    private readonly Outlet<Socket> _out = new("ConnectionSource.out");

    /// <inheritdoc />
    public override SourceShape<Socket> Shape => new(_out);

    /// <inheritdoc />
    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : TimerGraphStageLogic, IOutHandler
    {
        private readonly ConnectionSource _stage;
        private readonly SocketAsyncEventArgs _args = new();
        private readonly object _gate = new();
        private bool _stopped;

        public Logic(ConnectionSource stage) : base(stage.Shape)
        {
            _stage = stage;
            var onAccepted = GetAsyncCallback(OnAccepted);
            _args.Completed += (_, _) =>
            {
                lock (_gate)
                {
                    if (!_stopped) { onAccepted(); return; }
                }
                HandOff();
            };
            SetHandler(stage._out, this);
        }

        public void OnPull() => Accept();

        public void OnDownstreamFinish(Exception cause) => CompleteStage();

        public override void PostStop()
        {
            lock (_gate) _stopped = true;
        }

        protected override void OnTimer(object timerKey) => Accept();

        private void Accept()
        {
            _args.AcceptSocket = null;
            bool pending;
            try
            {
                pending = _stage.Listener.AcceptAsync(_args);
            }
            catch (ObjectDisposedException)
            {
                CompleteStage();
                return;
            }
            if (!pending) OnAccepted();
        }

        private void OnAccepted()
        {
            switch (_args.SocketError)
            {
                case SocketError.Success:
                    var socket = _args.AcceptSocket!;
                    _args.AcceptSocket = null;
                    Push(_stage._out, socket);
                    return;
                case SocketError.OperationAborted or SocketError.Shutdown or SocketError.NotSocket:
                    CompleteStage();
                    return;
                default:
                    // EMFILE, ECONNABORTED and friends are transient: back off rather than spin.
                    Log.Warning("accept() failed on {0}: {1}; retrying", _stage.Listener.LocalEndPoint, _args.SocketError);
                    ScheduleOnce("retry", RetryDelay);
                    return;
            }
        }

        private void HandOff()
        {
            if (_args.SocketError == SocketError.Success && _args.AcceptSocket is { } socket) _stage.Straggler(socket);
            _args.Dispose();
        }
    }
}
