using System.Net.Sockets;
using Akka.Streams;
using Akka.Streams.Dsl;
using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Workers.Sockets;

namespace AkkaGunicorn.Workers.Serving;

/// <summary>
/// The graph every connection of a worker runs: socket in, HTTP stages, socket out. Built and fused once; each
/// connection materializes it with its own <see cref="ConnectionScope"/>. (Building the graph, and fusing it, per
/// connection cost a fifth of a worker's time under a new-connection-per-request load.)
/// </summary>
public sealed class ConnectionGraph
{
    private readonly IGraph<ClosedShape, Task> _fused;

    /// <summary>Builds the graph for <paramref name="app"/>.</summary>
    public ConnectionGraph(IHttpApp app, HttpServerOptions http, ServerState state)
    {
        var graph = Source.FromGraph(new SocketSource())
            .Via(HttpServerBlueprint.Create(app, http, state))
            .ToMaterialized(new SocketSink(http.MinResponseRate, http.DataRateGrace, () => state.Expired(ConnectionExpiry.SlowResponseReader)), Keep.Right);
        _fused = Fusing.Aggressive(graph);
    }

    /// <summary>Serves <paramref name="socket"/>, counted on <paramref name="roster"/>; the task completes when the socket is closed.</summary>
    public Task Run(Socket socket, IMaterializer materializer, ConnectionRoster? roster = null)
    {
        if (socket.AddressFamily != AddressFamily.Unix) socket.NoDelay = true;
        return materializer.Materialize(_fused.AddAttributes(new Attributes(new ConnectionScope(SocketProbe.Describe(socket), socket, roster))));
    }
}
