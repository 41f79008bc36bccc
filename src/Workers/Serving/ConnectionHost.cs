using System.Net.Sockets;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Stage;

namespace AkkaGunicorn.Workers.Serving;

/// <summary>
/// Serves the connections pushed to it, up to <paramref name="limit"/> at once, each as its own
/// <see cref="ConnectionGraph"/> materialized inside this stage's own graph interpreter (its sub-fusing materializer):
/// a connection costs a few stage logics, not an actor of its own (an actor per connection cost a quarter of a
/// worker's time under a new-connection-per-request load). A worker runs one host per core, so connections still
/// spread over the cores. The materialized task completes once the stream of connections has ended and every
/// connection is closed, or fails when serving fails.
/// </summary>
/// <param name="graph">What each connection runs.</param>
/// <param name="limit">The most connections served at once; further ones wait in the kernel's queue.</param>
/// <param name="opened">Called as a connection starts to be served.</param>
/// <param name="closed">Called once a connection is closed.</param>
public sealed class ConnectionHost(ConnectionGraph graph, int limit, Action opened, Action closed)
    : GraphStageWithMaterializedValue<SinkShape<Socket>, Task>
{
    internal readonly ConnectionGraph Graph = graph;
    internal readonly int Limit = limit;
    internal readonly Action Opened = opened;
    internal readonly Action Closed = closed;
    private readonly Inlet<Socket> _in = new("ConnectionHost.in");

    /// <inheritdoc />
    public override SinkShape<Socket> Shape => new(_in);

    /// <inheritdoc />
    public override ILogicAndMaterializedValue<Task> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return new LogicAndMaterializedValue<Task>(new Logic(this, done), done.Task);
    }

    private sealed class Logic : InGraphStageLogic
    {
        private readonly ConnectionHost _stage;
        private readonly TaskCompletionSource _done;
        private readonly Action<Task> _onClosed;
        private int _open;
        private bool _acceptingDone;

        public Logic(ConnectionHost stage, TaskCompletionSource done) : base(stage.Shape)
        {
            _stage = stage;
            _done = done;
            var onClosed = GetAsyncCallback(OnConnectionClosed);
            _onClosed = _ => onClosed();
            SetHandler(stage._in, this);
        }

        public override void PreStart() => Pull(_stage._in);

        public override void OnPush()
        {
            var socket = Grab(_stage._in);
            _stage.Opened();
            _open++;
            Task served;
            try
            {
                served = _stage.Graph.Run(socket, SubFusingMaterializer);
            }
            catch (Exception e)
            {
                Log.Error(e, "Could not start serving a connection");
                socket.Dispose();
                served = Task.CompletedTask;
            }
            served.ContinueWith(_onClosed, TaskContinuationOptions.ExecuteSynchronously);
            if (_open < _stage.Limit) Pull(_stage._in);
        }

        public override void OnUpstreamFinish()
        {
            _acceptingDone = true;
            // The connections run in this stage's interpreter: it stays until the last one is closed.
            if (_open == 0) Finish();
            else SetKeepGoing(true);
        }

        public override void OnUpstreamFailure(Exception e)
        {
            _done.TrySetException(e);
            FailStage(e);
        }

        private void OnConnectionClosed()
        {
            _open--;
            _stage.Closed();
            if (_acceptingDone)
            {
                if (_open == 0) Finish();
            }
            else if (!HasBeenPulled(_stage._in) && _open < _stage.Limit)
            {
                Pull(_stage._in);
            }
        }

        private void Finish()
        {
            _done.TrySetResult();
            CompleteStage();
        }

        public override void PostStop() => _done.TrySetResult();
    }
}
