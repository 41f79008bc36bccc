using System.Net.Sockets;
using Akka.Streams;
using Akka.Streams.Dsl;
using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Workers.Sockets;
using AkkaGunicorn.Workers.Tls;

namespace AkkaGunicorn.Workers.Serving;

/// <summary>
/// The graph every connection of a worker runs: socket in, HTTP stages, socket out (through TLS when the server has a
/// certificate). Built and fused once; each connection materializes it with its own <see cref="ConnectionScope"/>.
/// (Building the graph, and fusing it, per connection cost a fifth of a worker's time under a new-connection-per-request
/// load.)
/// </summary>
public sealed class ConnectionGraph
{
    private readonly IGraph<ClosedShape, Task> _fused;
    private readonly ServerTls? _tls;

    /// <summary>Builds the graph for <paramref name="app"/>, over TLS when <paramref name="tls"/> is given.</summary>
    public ConnectionGraph(IHttpApp app, HttpServerOptions http, ServerState state, ServerTls? tls = null)
    {
        _tls = tls;
        Action tooSlow = () => state.Expired(ConnectionExpiry.SlowResponseReader);
        var protocol = HttpServerBlueprint.Create(app, http, state);
        IGraph<ClosedShape, Task> graph = tls is null
            ? Source.FromGraph(new SocketSource()).Via(protocol).ToMaterialized(new SocketSink(http.MinResponseRate, http.DataRateGrace, tooSlow), Keep.Right)
            : Source.FromGraph(new TlsSource()).Via(protocol).ToMaterialized(new TlsSink(http.MinResponseRate, http.DataRateGrace, tooSlow), Keep.Right);
        _fused = Fusing.Aggressive(graph);
    }

    /// <summary>Serves <paramref name="socket"/>, counted on <paramref name="roster"/>; the task completes when the socket is closed.</summary>
    public Task Run(Socket socket, IMaterializer materializer, ConnectionRoster? roster = null)
    {
        if (socket.AddressFamily != AddressFamily.Unix) socket.NoDelay = true;
        var info = SocketProbe.Describe(socket);
        var scope = _tls is null
            ? new ConnectionScope(info, socket, roster)
            : TlsScope(socket, info, _tls, roster);
        return materializer.Materialize(_fused.AddAttributes(new Attributes(scope)));
    }

    private static ConnectionScope TlsScope(Socket socket, ConnectionInfo info, ServerTls tls, ConnectionRoster? roster)
    {
        var transport = new TlsTransport(socket, tls);
        return new ConnectionScope(info with { Tls = transport.Session }, transport, roster);
    }
}
