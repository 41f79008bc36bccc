using System.Net.Sockets;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Workers.Balance;
using AkkaGunicorn.Workers.Native;
using AkkaGunicorn.Workers.Observability;
using AkkaGunicorn.Workers.Protocol;
using AkkaGunicorn.Workers.Serving;
using AkkaGunicorn.Workers.Sockets;

namespace AkkaGunicorn.Workers.Hosting;

/// <summary>
/// The worker's side of the protocol. It registers with the Arbiter, then starts the accept stream
/// (one fused graph per connection), heartbeats, and obeys Drain. It obeys only messages that carry its own
/// token. (It does not watch the Arbiter over remoting: its lifeline pipe ends the process when the Arbiter is gone.)
/// </summary>
public sealed class WorkerActor : ReceiveActor, IWithTimers
{
    private const string RegisterTimer = "register", HeartbeatTimer = "heartbeat", DrainTimer = "drain", QuotaTimer = "quota";
    private readonly WorkerOptions _options;
    private readonly IReadOnlyList<Socket> _listeners;
    private readonly ServerState _state;
    private readonly IMaterializer _materializer;
    private readonly TaskCompletionSource<int> _exit;
    private readonly FairShare? _share;
    private readonly ExchangeStats _stats;
    private readonly ConnectionGraph _graph;
    private static readonly Serilog.ILogger Log = Serilog.Log.ForContext<WorkerActor>();
    private readonly DateTime _registerDeadline;
    private IActorRef? _arbiter;
    private readonly string _token;
    private readonly AcceptSwitch _accepting = new();
    private DateTime _drainDeadline, _lastHeartbeat;
    private (long, long, long, long) _lastReported = (-1, -1, -1, -1);
    private readonly MemoryTrim _trim;
    private bool _replacementAsked;
    // The drain's first phase, completed once no accept is left and the listening descriptors are closed.
    private TaskCompletionSource? _acceptingStopped;
    // How long WebSockets told the server is going away have to close before the worker exits regardless.
    private static readonly TimeSpan GoingAwayGrace = TimeSpan.FromSeconds(1.5);

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record RetryRegistration;
    private sealed record SendHeartbeat;
    private sealed record CheckDrained;
    private sealed record QuotaHit;
    private sealed record AcceptingStopped;
    private sealed record AcceptStreamFailed(Exception Cause);

    /// <summary>Props for the worker actor.</summary>
    public static Props Props(WorkerOptions options, ConnectionGraph graph, IReadOnlyList<Socket> listeners, ServerState state,
        IMaterializer materializer, TaskCompletionSource<int> exit, FairShare? share, ExchangeStats stats) =>
        Akka.Actor.Props.Create(() => new WorkerActor(options, graph, listeners, state, materializer, exit, share, stats));

    /// <summary>Creates the actor; use <see cref="Props"/>.</summary>
    public WorkerActor(WorkerOptions options, ConnectionGraph graph, IReadOnlyList<Socket> listeners, ServerState state,
        IMaterializer materializer, TaskCompletionSource<int> exit, FairShare? share, ExchangeStats stats)
    {
        _share = share;
        _stats = stats;
        _options = options;
        _listeners = listeners;
        _state = state;
        _materializer = materializer;
        _exit = exit;
        _registerDeadline = DateTime.UtcNow + options.RegistrationTimeout;
        _graph = graph;
        _token = options.Boot.Secrets.Token;
        // The app is up and nothing is accepted yet: what the worker holds now is its floor.
        _trim = new MemoryTrim(Environment.WorkingSet, MemoryTrim.Settle);
        Registering();
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        var self = Self;
        if (_options.Recycle.RequestQuota > 0)
        {
            _state.OnQuotaReached(_options.Recycle.RequestQuota, () => self.Tell(new QuotaHit()));
        }
        // Serve at once, while registering: the app is up and the listening sockets are ours. Waiting for the Arbiter's
        // answer (the first association over private remoting) put half a second before every new worker's first request.
        StartAccepting();
        // The path comes when the Arbiter gives this worker its slot, maybe after the app is up: register at once then
        // (or give up, if it never will). Until then the retry timer only keeps the registration deadline.
        _options.ArbiterPath.ContinueWith(_ => self.Tell(new RetryRegistration()), TaskScheduler.Default);
        Timers.StartSingleTimer(RegisterTimer, new RetryRegistration(), TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// Serving already, and telling the Arbiter so until it answers. A drain may come first (TERM to this process);
    /// heartbeats and recycling wait for the answer.
    /// </summary>
    private void Registering()
    {
        Receive<RetryRegistration>(_ =>
        {
            var path = _options.ArbiterPath;
            if (DateTime.UtcNow > _registerDeadline || path.IsFaulted || path.IsCanceled)
            {
                Log.Error("The Arbiter at {Path} did not answer; exiting", path.IsCompletedSuccessfully ? path.Result : "(never told)");
                _exit.TrySetResult(WorkerExit.BootError);
                return;
            }
            if (path.IsCompletedSuccessfully)
            {
                // A plain reference by path, not an actor selection: the Arbiter accepts no selections from peers.
                var arbiter = ((ExtendedActorSystem)Context.System).Provider.ResolveActorRef(path.Result);
                arbiter.Tell(new Register(_token, Environment.ProcessId, _options.Boot.Generation));
            }
            Timers.StartSingleTimer(RegisterTimer, new RetryRegistration(), TimeSpan.FromSeconds(1));
        });
        Receive<Registered>(m => Mine(m.Token), _ =>
        {
            Timers.Cancel(RegisterTimer);
            _arbiter = Sender;
            Timers.StartPeriodicTimer(HeartbeatTimer, new SendHeartbeat(), _options.Settings.HeartbeatInterval);
            Log.Information("Serving on {Listeners}", string.Join(", ", _options.Boot.Listeners.Select(l => l.Name)));
            Become(Serving);
        });
        Receive<AcceptStreamFailed>(AcceptFailed);
        Receive<WorkerShutdown.StopAccepting>(BeginDrain);
        // The quota cannot be reported before the Arbiter answers: look again in a moment.
        Receive<QuotaHit>(hit => Timers.StartSingleTimer(QuotaTimer, hit, TimeSpan.FromMilliseconds(200)));
        Receive<Rejected>(m => Mine(m.Token), m =>
        {
            Log.Error("The Arbiter rejected this worker: {Reason}", m.Reason);
            _exit.TrySetResult(WorkerExit.BootError);
        });
    }

    private void Serving()
    {
        Receive<AcceptStreamFailed>(AcceptFailed);
        Receive<SendHeartbeat>(_ => Heartbeat(recycle: true));
        Receive<QuotaHit>(_ => AskToBeReplaced(_options.Recycle.QuotaReason(_state.RequestsServed)));
        // A drain runs the worker's CoordinatedShutdown, whose first phase comes back as StopAccepting.
        Receive<Drain>(m => Mine(m.Token), m => WorkerShutdown.Request(Context.System, m));
        Receive<WorkerShutdown.StopAccepting>(BeginDrain);
    }

    /// <summary>A worker that can no longer accept must not live on heartbeating as if it served: exit, and be replaced.</summary>
    private void AcceptFailed(AcceptStreamFailed m)
    {
        Log.Error(m.Cause, "The accept stream failed; exiting so that the Arbiter replaces this worker");
        _exit.TrySetResult(WorkerExit.AcceptFailed);
    }

    private void BeginDrain(WorkerShutdown.StopAccepting stop)
    {
        var m = stop.Drain;
        _acceptingStopped = stop.Done;
        Log.Information("Draining ({Reason}): finishing {Count} open connections", m.Reason, _state.OpenConnections);
        _state.BeginDraining();
        _share?.Leave();
        _drainDeadline = DateTime.UtcNow + TimeSpan.FromMilliseconds(m.TimeoutMs);
        // Count connections only once no accept can still bring one in.
        // A reuse_port socket is this worker's alone: what waits in its queue is nobody else's to serve.
        _accepting.StopAsync(m.SweepBacklog || _options.Settings.ReusePort).PipeTo(Self, success: () => new AcceptingStopped());
        Become(Draining);
    }

    /// <summary>
    /// Told to stop: no new connections (the accept stages withdraw, then the listening descriptors close), open ones
    /// finish (each answering its next response with Connection: close), WebSockets get a close frame at the deadline,
    /// and the worker exits once none is left or the graceful time is over.
    /// </summary>
    private void Draining()
    {
        Receive<SendHeartbeat>(_ => Heartbeat(recycle: false));
        Receive<AcceptingStopped>(_ =>
        {
            // Our descriptors go; the queue lives on in the Arbiter and the siblings while they keep theirs.
            // A descriptor inherited without FD_CLOEXEC is closed, never shut down, by Socket.Dispose.
            foreach (var listener in _listeners) listener.Dispose();
            _acceptingStopped?.TrySetResult();
            Timers.StartPeriodicTimer(DrainTimer, new CheckDrained(), TimeSpan.FromMilliseconds(50));
            Self.Tell(new CheckDrained());
        });
        Receive<CheckDrained>(_ =>
        {
            if (_state.OpenConnections > 0 && DateTime.UtcNow < _drainDeadline) return;
            if (_state.OpenConnections > 0 && !_state.GoingAway.IsCancellationRequested)
            {
                // WebSockets first get a close frame (1001 Going Away) and a moment to answer it.
                Log.Information("Graceful timeout: telling open WebSockets the server is going away");
                _state.GoAway();
                _drainDeadline = DateTime.UtcNow + GoingAwayGrace;
                return;
            }
            if (_state.OpenConnections > 0) Log.Warning("Graceful timeout: closing {Count} connections", _state.OpenConnections);
            // The last figures first (the Arbiter keeps an exited worker's last report in the server's totals), then goodbye;
            // unless the Arbiter never answered (a drain before registration), in which case there is nobody to tell.
            if (_arbiter is not null)
            {
                Report(Environment.WorkingSet, force: true);
                _arbiter.Tell(new Drained(_token, Environment.ProcessId, _state.RequestsServed));
            }
            _exit.TrySetResult(0);
        });
        // Already draining: a second Drain (TERM after the Arbiter's) changes nothing; the accept stream's end is expected.
        Receive<Drain>(_ => { });
        Receive<AcceptStreamFailed>(_ => { });
        Receive<QuotaHit>(_ => { });
    }

    /// <summary>
    /// Publishes this worker's load, gives memory back when idle and grown, asks to be replaced when the policy says so
    /// (not once draining), and reports.
    /// </summary>
    private void Heartbeat(bool recycle)
    {
        _share?.Publish(_state.OpenConnections);
        // Read once per tick (each read is a file in /proc): the trim decision and the heartbeat share it.
        long resident = Environment.WorkingSet;
        var depth = _trim.Decide(resident, _state.InFlight, _state.RequestsServed, Environment.TickCount64);
        if (depth != TrimDepth.None)
        {
            if (depth == TrimDepth.Full) GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            NativeHeap.Trim();
            long trimmed = Environment.WorkingSet;
            if (depth == TrimDepth.Full) _trim.Trimmed(trimmed);
            Log.Debug("Idle: gave back {Freed} MB of memory ({Depth})", (resident - trimmed) / (1024 * 1024), depth);
            resident = trimmed;
        }
        if (recycle) AskToBeReplaced(_options.Recycle.MemoryReason(resident));
        Report(resident, force: false);
    }

    /// <summary>
    /// Asks the Arbiter, once, to replace this worker (it starts the replacement first, then drains this one), when
    /// the recycling policy gave a reason.
    /// </summary>
    private void AskToBeReplaced(string? why)
    {
        if (why is null || _replacementAsked) return;
        _replacementAsked = true;
        Log.Information("Autorestarting worker: {Why}", why);
        _arbiter!.Tell(new RecycleWanted(_token, Environment.ProcessId, _state.RequestsServed, why));
    }

    /// <summary>
    /// Sends a heartbeat with the figures now; unless <paramref name="force"/>d, only when they changed or the worker has
    /// been silent for nearly MaxSilence (an idle worker has no news, and the Arbiter's timeout allows that).
    /// </summary>
    private void Report(long resident, bool force)
    {
        var phases = _state.ConnectionPhases();
        var expiries = _state.Expiries();
        var figures = (_state.RequestsServed, _state.InFlight, Fingerprint(phases), Fingerprint(expiries));
        if (!force && figures == _lastReported && DateTime.UtcNow - _lastHeartbeat < _options.Settings.MaxSilence) return;
        _lastReported = figures;
        _lastHeartbeat = DateTime.UtcNow;
        _arbiter!.Tell(new Heartbeat(_token, Environment.ProcessId, figures.RequestsServed, figures.InFlight, _state.OpenConnections,
            resident, _stats.StatusClasses(), _stats.Latency(), phases, expiries));
    }

    private bool Mine(string token)
    {
        if (WorkerSecrets.SameToken(token, _token)) return true;
        Refused.Write("token", Serilog.Events.LogEventLevel.Warning, null, "Ignored a message from {Path}: wrong token", Sender.Path);
        return false;
    }

    private static readonly Logging.LogThrottle Refused = new(5, TimeSpan.FromMinutes(1));

    private void StartAccepting()
    {
        Log.Debug("Accepting connections on {Listeners}", string.Join(", ", _options.Boot.Listeners.Select(l => l.Name)));
        // Joining the board also tells a starting Arbiter that this worker serves (ProcessLauncher.PrestartedServingAsync).
        _share?.Join();
        var share = _share;
        var state = _state;
        var gate = share?.GateFor(() => state.OpenConnections);
        // One host per core, each serving its connections in its own interpreter (actor): a connection costs no actor
        // of its own, and the connections still spread over the cores.
        int lanes = Math.Max(1, Environment.ProcessorCount);
        var self = Self;
        for (int lane = 0; lane < lanes; lane++)
        {
            var sources = _listeners.Zip(_options.Boot.Listeners, (socket, listener) =>
            {
                var tls = listener.Tls ? _options.Tls : null;
                return Source.FromGraph(new ConnectionSource(socket, _accepting, s => Straggle(new AcceptedConnection(s, tls)), gate))
                    .Select(s => new AcceptedConnection(s, tls));
            }).ToList();
            var accepted = sources.Count == 1
                ? sources[0]
                : Source.Combine(sources[0], sources[1], n => new Merge<AcceptedConnection>(n), sources.Skip(2).ToArray());
            var roster = new ConnectionRoster();
            state.Track(roster);
            // The limit is the worker's, over all hosts: one host full while another has room must not evict.
            accepted.RunWith(new ConnectionHost(_graph, _options.Settings.WorkerConnections, roster, Opened, Closed, () => state.OpenConnections), _materializer)
                .ContinueWith(t => self.Tell(new AcceptStreamFailed(t.Exception!.GetBaseException())), TaskContinuationOptions.OnlyOnFaulted);
        }
    }

    private void Opened()
    {
        _state.ConnectionOpened();
        _share?.Publish(_state.OpenConnections);
    }

    private void Closed()
    {
        _state.ConnectionClosed();
        _share?.Publish(_state.OpenConnections);
    }

    /// <summary>A connection an accept stage got after its stream went away: serve it rather than reset it.</summary>
    private void Straggle(AcceptedConnection connection)
    {
        Opened();
        try
        {
            _graph.Run(connection, _materializer).ContinueWith(_ => Closed(), TaskContinuationOptions.ExecuteSynchronously);
        }
        catch (Exception e)
        {
            connection.Socket.Dispose();
            Closed();
            Log.Error(e, "Could not start a connection");
        }
    }

    /// <summary>One number that changes when any of the counts does, so that an idle worker can tell whether it has news.</summary>
    private static long Fingerprint(long[] counts)
    {
        long hash = 17;
        foreach (var count in counts) hash = hash * 1_000_003 + count;
        return hash;
    }
}
