using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Workers.Serving;
using AkkaGunicorn.Workers.Sockets;

namespace AkkaGunicorn.Http.Tests.Support;

/// <summary>
/// The HTTP stages over real loopback sockets inside the test process: the same connection graph and host a worker
/// runs (SocketSource → HTTP blueprint → SocketSink, inside a ConnectionHost), without the process around it.
/// </summary>
public sealed class InProcessServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly ActorSystem _system;
    private readonly AcceptSwitch _accepting = new();

    public InProcessServer(IHttpApp app, HttpServerOptions? options = null, ServerState? state = null, int connectionLimit = 1000)
    {
        State = state ?? new ServerState();
        State.Track(Roster);
        _system = ActorSystem.Create("http-test", "akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING");
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(128);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        var graph = new ConnectionGraph(app, options ?? new HttpServerOptions(), State);
        Source.FromGraph(new ConnectionSource(_listener, _accepting, s => s.Dispose()))
            .Select(s => new AcceptedConnection(s, null))
            .RunWith(new ConnectionHost(graph, connectionLimit, Roster, State.ConnectionOpened, State.ConnectionClosed), _system.Materializer());
    }

    public int Port { get; }

    public ServerState State { get; }

    /// <summary>The host's connections by phase.</summary>
    public ConnectionRoster Roster { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _accepting.StopAsync(sweepBacklog: false);
        _listener.Dispose();
        await _system.Terminate();
    }
}
