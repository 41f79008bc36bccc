using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Akka.Streams;
using Akka.Streams.Dsl;
using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Workers.Hosting;
using AkkaGunicorn.Workers.Serving;
using AkkaGunicorn.Workers.Sockets;
using BenchmarkDotNet.Attributes;

namespace Connection.Bench;

/// <summary>
/// What one connection costs the worker, from accept to close, over real loopback sockets (the client's part is the
/// same in every benchmark): served as the worker serves it (its graph, fused once, materialized inside a host
/// interpreter), with an actor of its own instead, and with the graph built and fused for it as well, as before.
/// And the parts alone: building and fusing the graph, which the worker now does once.
/// </summary>
[MemoryDiagnoser]
public class ConnectionBenchmarks
{
    private static readonly byte[] Request = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    private ActorSystem _system = null!;
    private IMaterializer _materializer = null!;
    private Socket _listener = null!;
    private ConnectionGraph _graph = null!;
    private ISourceQueueWithComplete<AcceptedConnection> _hosted = null!;
    private readonly HttpServerOptions _options = new();
    private readonly ServerState _state = new();
    private readonly IHttpApp _app = new Hello();
    private readonly byte[] _buffer = new byte[4096];

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("bench", ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.actor.default-dispatcher.executor = thread-pool-executor
            akka.actor.default-dispatcher.throughput = 64
            {{TimerQueueScheduler.Config}}
            """));
        _materializer = _system.Materializer();
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(128);
        _graph = new ConnectionGraph(_app, _options, _state);
        _hosted = Source.Queue<AcceptedConnection>(16, OverflowStrategy.Backpressure)
            .To(new ConnectionHost(_graph, 1000, new ConnectionRoster(), () => { }, () => { }))
            .Run(_materializer);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _hosted.Complete();
        _listener.Dispose();
        _system.Terminate().Wait();
    }

    [Benchmark(Baseline = true, Description = "a connection, hosted (as the worker serves it)")]
    public Task Hosted() => ConnectAsync(socket => _hosted.OfferAsync(new AcceptedConnection(socket, null)));

    [Benchmark(Description = "a connection, with an actor of its own")]
    public Task ActorPerConnection() => ConnectAsync(socket => _graph.Run(new AcceptedConnection(socket, null), _materializer));

    [Benchmark(Description = "a connection, graph built and fused for it, with an actor of its own (before)")]
    public Task BuiltPerConnection() => ConnectAsync(socket =>
        Source.FromGraph(new SocketSource(socket))
            .Via(HttpServerBlueprint.Create(_app, _options, _state, SocketProbe.Describe(socket)))
            .ToMaterialized(new SocketSink(socket: socket), Keep.Right)
            .Run(_materializer));

    [Benchmark(Description = "building and fusing the connection graph")]
    public object BuildAndFuse() => new ConnectionGraph(_app, _options, _state);

    private async Task ConnectAsync(Func<Socket, Task> serve)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var connecting = client.ConnectAsync(_listener.LocalEndPoint!);
        var server = await _listener.AcceptAsync();
        await connecting;
        _ = serve(server);
        await client.SendAsync(Request);
        while (await client.ReceiveAsync(_buffer) > 0) { }
    }

    private sealed class Hello : IHttpApp
    {
        public Task HandleAsync(HttpRequest request, HttpResponse response, CancellationToken aborted)
        {
            response.Headers.Add("Content-Type", "text/plain");
            return response.WriteAsync("Hello, World!", aborted).AsTask();
        }
    }
}
