using System.Net.Sockets;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Stage;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Http.Stages;

namespace AkkaGunicorn.Workers.Serving;

/// <summary>
/// Serves the connections pushed to it, up to <paramref name="limit"/> at once, each as its own
/// <see cref="ConnectionGraph"/> materialized inside this stage's own graph interpreter (its sub-fusing materializer):
/// a connection costs a few stage logics, not an actor of its own (an actor per connection cost a quarter of a
/// worker's time under a new-connection-per-request load). A worker runs one host per core, so connections still
/// spread over the cores. The materialized task completes once the stream of connections has ended and every
/// connection is closed, or fails when serving fails.
/// <para>
/// At its limit it accepts only while some connection has waited on its client for a request (new, idle, or trickling a
/// head) for a second or more, and closes the one that has waited longest to make room, as nginx does: so idle or slow
/// connections cannot lock busy clients out, while connections with a request under way, or busy keep-alive clients
/// between two requests, are never touched.
/// </para>
/// </summary>
/// <param name="graph">What each connection runs.</param>
/// <param name="limit">The most connections served at once; further ones wait in the kernel's queue unless some can be evicted.</param>
/// <param name="roster">Where this host's connections are counted by phase.</param>
/// <param name="opened">Called as a connection starts to be served.</param>
/// <param name="closed">Called once a connection is closed.</param>
/// <param name="counted">The open connections the limit applies to: the worker's, over all its hosts (a worker runs one per
/// core, and one host being full while another has room is no reason to close anything); by default this host's.</param>
public sealed class ConnectionHost(ConnectionGraph graph, int limit, ConnectionRoster roster, Action opened, Action closed, Func<long>? counted = null)
    : GraphStageWithMaterializedValue<SinkShape<AcceptedConnection>, Task>
{
    internal readonly Func<long>? Counted = counted;
    // A connection counts as idle, and may be closed for room, once it has waited this long for a request.
    internal readonly long MinIdleMs = 1000;
    internal readonly ConnectionGraph Graph = graph;
    internal readonly int Limit = limit;
    internal readonly ConnectionRoster Roster = roster;
    internal readonly Action Opened = opened;
    internal readonly Action Closed = closed;
    private readonly Inlet<AcceptedConnection> _in = new("ConnectionHost.in");

    /// <inheritdoc />
    public override SinkShape<AcceptedConnection> Shape => new(_in);

    /// <inheritdoc />
    public override ILogicAndMaterializedValue<Task> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return new LogicAndMaterializedValue<Task>(new Logic(this, done), done.Task);
    }

    private sealed class Logic : TimerGraphStageLogic, IInHandler
    {
        /// <inheritdoc />
        protected override object LogSource => StageLogSource.Of(this);

        private const string EvictableTimer = "evictable";
        private readonly ConnectionHost _stage;
        private readonly TaskCompletionSource _done;
        private readonly Action<Task> _onClosed;
        private readonly Action _onWaiting;
        private int _open;

        private long Open => _stage.Counted?.Invoke() ?? _open;
        private bool _acceptingDone;

        public Logic(ConnectionHost stage, TaskCompletionSource done) : base(stage.Shape)
        {
            _stage = stage;
            _done = done;
            var onClosed = GetAsyncCallback(OnConnectionClosed);
            _onClosed = _ => onClosed();
            // Connections run in interpreters of their own (same actor): their news comes back as an async callback.
            _onWaiting = GetAsyncCallback(PullIfRoom);
            SetHandler(stage._in, this);
        }

        public override void PreStart() => Pull(_stage._in);

        public void OnPush()
        {
            var connection = Grab(_stage._in);
            // Over the limit: make room (if no waiting connection qualifies any more, serve this one anyway).
            if (Open >= _stage.Limit) _stage.Roster.EvictOldest(_stage.MinIdleMs);
            _stage.Opened();
            _open++;
            Task served;
            try
            {
                served = _stage.Graph.Run(connection, SubFusingMaterializer, _stage.Roster);
            }
            catch (Exception e)
            {
                Log.Error(e, "Could not start serving a connection");
                connection.Socket.Dispose();
                served = Task.CompletedTask;
            }
            served.ContinueWith(_onClosed, TaskContinuationOptions.ExecuteSynchronously);
            PullIfRoom();
        }

        private void PullIfRoom()
        {
            if (_acceptingDone || HasBeenPulled(_stage._in)) return;
            var roster = _stage.Roster;
            if (Open < _stage.Limit || roster.AnyWaiting && roster.LongestWait >= _stage.MinIdleMs)
            {
                roster.WaitingBegan = null;
                Pull(_stage._in);
            }
            else if (roster.AnyWaiting)
            {
                // Full, and the longest-waiting connection has not waited long enough to count as idle: look again then.
                ScheduleOnce(EvictableTimer, TimeSpan.FromMilliseconds(_stage.MinIdleMs - roster.LongestWait + 1));
            }
            else
            {
                // Full, and every connection busy: look again once one of them waits on its client.
                roster.WaitingBegan = _onWaiting;
            }
        }

        protected override void OnTimer(object timerKey) => PullIfRoom();

        public void OnUpstreamFinish()
        {
            _acceptingDone = true;
            // The connections run in this stage's interpreter: it stays until the last one is closed.
            if (_open == 0) Finish();
            else SetKeepGoing(true);
        }

        public void OnUpstreamFailure(Exception e)
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
            else
            {
                PullIfRoom();
            }
        }

        private void Finish()
        {
            _done.TrySetResult();
            CompleteStage();
        }

        public override void PostStop()
        {
            _stage.Roster.WaitingBegan = null;
            _done.TrySetResult();
        }
    }
}
