using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using AkkaGunicorn.Workers.Sockets;
using Xunit;

namespace AkkaGunicorn.Http.Tests.Sockets;

/// <summary>
/// The accept stage over a real listening socket: stopping withdraws the pending accept without taking a
/// connection, and a sweep takes exactly what the kernel had queued.
/// </summary>
public sealed class ConnectionSourceTests : IAsyncLifetime
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _clients = [];
    private ActorSystem _system = null!;
    private IMaterializer _materializer = null!;

    public Task InitializeAsync()
    {
        _system = ActorSystem.Create("accept-test", "akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING");
        _materializer = _system.Materializer();
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients) client.Dispose();
        _listener.Dispose();
        await _system.Terminate();
    }

    [Fact]
    public async Task Stopping_withdraws_the_pending_accept_and_leaves_later_connections_queued()
    {
        var accepting = new AcceptSwitch();
        var stragglers = new List<Socket>();
        var accepted = System.Threading.Channels.Channel.CreateUnbounded<Socket>();
        var done = Source.FromGraph(new ConnectionSource(_listener, accepting, stragglers.Add))
            .RunWith(Sink.ForEach<Socket>(s => accepted.Writer.TryWrite(s)), _materializer);
        await ConnectAsync();
        // Once the first connection is through, the stage has been pulled again and waits in a new accept.
        using (await accepted.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10))) { }

        await accepting.StopAsync(sweepBacklog: false);
        await done.WaitAsync(TimeSpan.FromSeconds(10));
        await ConnectAsync();

        Assert.False(accepted.Reader.TryRead(out _));
        Assert.Empty(stragglers);
        using var waiting = await _listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(waiting.Connected);
    }

    [Fact]
    public async Task A_sweep_takes_every_queued_connection_then_closes_the_listener()
    {
        for (int i = 0; i < 3; i++) await ConnectAsync();
        var accepting = new AcceptSwitch();
        await accepting.StopAsync(sweepBacklog: true);
        var accepted = await Source.FromGraph(new ConnectionSource(_listener, accepting, _ => { }))
            .RunWith(Sink.Seq<Socket>(), _materializer).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, accepted.Count);
        foreach (var socket in accepted) socket.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _listener.Accept());
    }

    [Fact]
    public async Task Without_a_sweep_queued_connections_stay_for_the_others()
    {
        var accepting = new AcceptSwitch();
        await accepting.StopAsync(sweepBacklog: false);
        var done = Source.FromGraph(new ConnectionSource(_listener, accepting, _ => { })).RunWith(Sink.Seq<Socket>(), _materializer);
        Assert.Empty(await done.WaitAsync(TimeSpan.FromSeconds(10)));
        await ConnectAsync();
        using var waiting = await _listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(waiting.Connected);
    }

    private async Task<Socket> ConnectAsync()
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _clients.Add(client);
        await client.ConnectAsync((IPEndPoint)_listener.LocalEndPoint!);
        return client;
    }
}
