using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Workers.Sockets;

namespace AkkaGunicorn.Http.Tests.Support;

/// <summary>
/// The HTTP stages over real loopback sockets inside the test process: the same per-connection graph a
/// worker runs (SocketSource → HTTP blueprint → SocketSink), without the process around it.
/// </summary>
public sealed class InProcessServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly ActorSystem _system;
    private readonly AcceptSwitch _accepting = new();

    public InProcessServer(IHttpApp app, HttpServerOptions? options = null, ServerState? state = null)
    {
        State = state ?? new ServerState();
        _system = ActorSystem.Create("http-test", "akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING");
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(128);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        var materializer = _system.Materializer();
        var opts = options ?? new HttpServerOptions();
        Source.FromGraph(new ConnectionSource(_listener, _accepting, s => s.Dispose()))
            .To(Sink.ForEach<Socket>(socket =>
            {
                socket.NoDelay = true;
                var info = SocketProbe.Describe(socket);
                State.ConnectionOpened();
                Source.FromGraph(new SocketSource(socket))
                    .Via(HttpServerBlueprint.Create(app, opts, State, info))
                    .ToMaterialized(new SocketSink(socket), Keep.Right)
                    .Run(materializer)
                    .ContinueWith(_ => State.ConnectionClosed());
            }))
            .Run(materializer);
    }

    public int Port { get; }

    public ServerState State { get; }

    public async ValueTask DisposeAsync()
    {
        await _accepting.StopAsync(sweepBacklog: false);
        _listener.Dispose();
        await _system.Terminate();
    }
}
