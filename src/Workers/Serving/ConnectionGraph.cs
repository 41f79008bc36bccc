using System.Net.Sockets;
using Akka.Streams;
using Akka.Streams.Dsl;
using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Workers.Sockets;
using AkkaGunicorn.Workers.Tls;

namespace AkkaGunicorn.Workers.Serving;

/// <summary>
/// The graph every connection of a worker runs: socket in, HTTP stages, socket out (through TLS when its listener speaks
/// TLS). Built and fused once; each connection materializes it with its own <see cref="ConnectionScope"/>.
/// (Building the graph, and fusing it, per connection cost a fifth of a worker's time under a new-connection-per-request
/// load.)
/// </summary>
public sealed class ConnectionGraph
{
    private readonly IGraph<ClosedShape, Task> _plain;
    // Most servers have no TLS listener, and fusing a graph is a good part of a worker's start-up: the TLS graph is built
    // for the first connection that needs it.
    private readonly Lazy<IGraph<ClosedShape, Task>> _tls;

    /// <summary>Builds the graph for <paramref name="app"/> (and, when first needed, the one over TLS).</summary>
    public ConnectionGraph(IHttpApp app, HttpServerOptions http, ServerState state)
    {
        Action tooSlow = () => state.Expired(ConnectionExpiry.SlowResponseReader);
        var protocol = HttpServerBlueprint.Create(app, http, state);
        _plain = Fusing.Aggressive(Source.FromGraph(new SocketSource()).Via(protocol)
            .ToMaterialized(new SocketSink(http.MinResponseRate, http.DataRateGrace, tooSlow), Keep.Right));
        _tls = new Lazy<IGraph<ClosedShape, Task>>(() => Fusing.Aggressive(Source.FromGraph(new TlsSource(http.ProxyProtocol ? http.ProxyAllowIps : null)).Via(protocol)
            .ToMaterialized(new TlsSink(http.MinResponseRate, http.DataRateGrace, tooSlow), Keep.Right)));
    }

    /// <summary>Serves <paramref name="connection"/>, counted on <paramref name="roster"/>; the task completes when its socket is closed.</summary>
    public Task Run(AcceptedConnection connection, IMaterializer materializer, ConnectionRoster? roster = null)
    {
        var socket = connection.Socket;
        if (socket.AddressFamily != AddressFamily.Unix) socket.NoDelay = true;
        var info = SocketProbe.Describe(socket);
        return connection.Tls is { } tls
            ? materializer.Materialize(_tls.Value.AddAttributes(new Attributes(TlsScope(socket, info, tls, roster))))
            : materializer.Materialize(_plain.AddAttributes(new Attributes(new ConnectionScope(info, socket, roster))));
    }

    private static ConnectionScope TlsScope(Socket socket, ConnectionInfo info, ServerTls tls, ConnectionRoster? roster)
    {
        var transport = new TlsTransport(socket, tls);
        return new ConnectionScope(info with { Tls = transport.Session }, transport, roster);
    }
}
