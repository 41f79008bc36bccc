using Akka.Actor;
using Akka.Configuration;
using Akka.Streams;
using AkkaGunicorn.Workers.Protocol;
using AkkaGunicorn.Workers.Remoting;
using Xunit;

namespace AkkaGunicorn.Workers.Tests.Protocol;

/// <summary>
/// The Arbiter–worker channel behind its peer check: even an admitted peer (a compromised worker, say) can make a
/// process build nothing but protocol messages; a peer the rule does not admit gets nothing through. Real Akka.Remote
/// associations over the Unix socket transport, within this test process (which every system here admits, unless a
/// test says otherwise); another user's process is refused in the integration tests.
/// </summary>
public sealed class PrivateRemotingTests : IDisposable
{
    private static readonly PeerAdmission ThisProcess = new(peer => peer.Pid == Environment.ProcessId);
    private readonly List<ActorSystem> _systems = [];

    public void Dispose()
    {
        foreach (var system in _systems) system.Terminate().Wait(TimeSpan.FromSeconds(10));
    }

    private ActorSystem Private(string name, PeerAdmission? admission = null)
    {
        var system = ActorSystem.Create(name, BootstrapSetup.Create().WithConfig(ConfigurationFactory.ParseString(PrivateRemoting.Config))
            .And(admission ?? ThisProcess));
        _systems.Add(system);
        return system;
    }

    /// <summary>An admitted process without our configuration: Akka's defaults, JSON and all.</summary>
    private ActorSystem Rogue(string name, PeerAdmission? admission = null, string level = "ERROR")
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka.actor.provider = remote
            akka.remote.enabled-transports = ["akka.remote.uds"]
            akka.remote.uds { transport-class = "AkkaGunicorn.Workers.Remoting.UnixSocketTransport, AkkaGunicorn.Workers", applied-adapters = [] }
            akka.loglevel = {{level}}
            {{ProtocolSerializer.Config}}
            """);
        var system = ActorSystem.Create(name, BootstrapSetup.Create().WithConfig(config).And(admission ?? ThisProcess));
        _systems.Add(system);
        return system;
    }

    private static string Address(ActorSystem system) => ((ExtendedActorSystem)system).Provider.DefaultAddress.ToString();

    private static IActorRef Resolve(ActorSystem from, string path) => ((ExtendedActorSystem)from).Provider.ResolveActorRef(path);

    [Fact]
    public void Only_the_protocol_serializer_and_the_null_one_can_build_anything()
    {
        var system = Private("probe");
        // Streams bring a serializer of their own (stream refs): make sure it is loaded too.
        _ = system.Materializer();
        // Akka deserializes by the id a peer names, so every registered id counts, bound or not (read from Akka's
        // own table: a new serializer in a later Akka must show up here).
        var byId = (System.Collections.IDictionary)typeof(Akka.Serialization.Serialization)
            .GetField("_serializersById", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .GetValue(system.Serialization)!;
        var open = byId.Keys.Cast<int>().Where(id => byId[id] is not ClosedSerializer).Order()
            .Select(id => $"{id}:{byId[id]!.GetType().Name}").ToList();
        Assert.Equal(["0:NullSerializer", $"{ProtocolSerializer.Id}:ProtocolSerializer"], open);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() =>
            system.Serialization.Deserialize("""{"$type":"System.Object"}"""u8.ToArray(), 1, "System.Object"));
    }

    [Fact]
    public async Task An_admitted_peer_gets_protocol_messages_through_and_nothing_else()
    {
        var target = Private("arbiter");
        var inbox = new Inbox();
        target.ActorOf(Props.Create(() => new Recorder(inbox)), "target");
        var rogue = Rogue("rogue");
        var path = $"{Address(target)}/user/target";
        var victim = Resolve(rogue, path);

        // A JSON payload naming its own type, the classic gadget; Akka's own harmful and system messages.
        var gadget = new Gadget { Value = "built" };
        int built = Gadget.Built;
        victim.Tell(gadget);
        victim.Tell("a plain string");
        victim.Tell(PoisonPill.Instance);
        victim.Tell(Kill.Instance);
        rogue.ActorSelection(path).Tell(new Registered("via selection"));
        // Then a protocol message: once it is in, everything sent before it on this association has been dealt with.
        victim.Tell(new Registered("through"));

        Assert.Equal(new Registered("through"), await inbox.Next.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(built, Gadget.Built);
        Assert.True(inbox.IsEmpty, $"also received: {inbox}");

        // A remote watch sends a Watch system message, which is refused too (the refusal resets the rogue's own
        // association, so keep asking until the target answers): the target lives on, unwatched.
        var watcher = rogue.ActorOf(Props.Create(() => new Watcher(victim)));
        var next = inbox.Next;
        for (int i = 0; i < 60 && !next.IsCompleted; i++)
        {
            victim.Tell(new Registered("again"));
            await Task.WhenAny(next, Task.Delay(500));
        }
        Assert.Equal(new Registered("again"), await next.WaitAsync(TimeSpan.FromSeconds(1)));
        GC.KeepAlive(watcher);
    }

    [Fact]
    public async Task The_same_gadget_is_built_by_a_process_with_akkas_defaults()
    {
        // The control for the test above: with Akka's default serializers the payload's $type is obeyed.
        var open = Rogue("open");
        var inbox = new Inbox();
        open.ActorOf(Props.Create(() => new Recorder(inbox)), "target");
        var sender = Rogue("sender");
        var gadget = new Gadget { Value = "built" };
        int before = Gadget.Built;
        Resolve(sender, $"{Address(open)}/user/target").Tell(gadget);
        Assert.IsType<Gadget>(await inbox.Next.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.True(Gadget.Built > before);
    }

    [Fact]
    public async Task A_peer_the_rule_does_not_admit_gets_nothing_through_either_way()
    {
        // The target admits nobody: the stranger's connection is accepted and closed before a byte is read.
        var target = Private("arbiter", new PeerAdmission(_ => false));
        var inbox = new Inbox();
        target.ActorOf(Props.Create(() => new Recorder(inbox)), "target");
        var stranger = Rogue("stranger", new PeerAdmission(_ => true), level: "OFF");
        Resolve(stranger, $"{Address(target)}/user/target").Tell(new Registered("stranger"));

        // The other way: a process admits no listener it does not trust, so it never writes to one.
        var trusting = Private("trusting", new PeerAdmission(_ => true));
        var listening = new Inbox();
        trusting.ActorOf(Props.Create(() => new Recorder(listening)), "target");
        var wary = Rogue("wary", new PeerAdmission(_ => false), level: "OFF");
        Resolve(wary, $"{Address(trusting)}/user/target").Tell(new Registered("wary"));

        // The control: the same message from an admitted process arrives, on both targets' transports.
        var friend = Private("friend");
        Resolve(friend, $"{Address(trusting)}/user/target").Tell(new Registered("friend"));
        Assert.Equal(new Registered("friend"), await listening.Next.WaitAsync(TimeSpan.FromSeconds(20)));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.True(inbox.IsEmpty, $"received: {inbox}");
        Assert.True(listening.IsEmpty, $"also received: {listening}");
    }

    [Fact]
    public void Addresses_name_an_abstract_socket_and_the_process()
    {
        var system = Private("probe");
        var address = ((ExtendedActorSystem)system).Provider.DefaultAddress;
        Assert.Equal("akka.uds", address.Protocol);
        Assert.Equal(Environment.ProcessId, address.Port);
        Assert.Matches("^[0-9a-f]{32}$", address.Host);
        Assert.Contains($"@akkagunicorn-{address.Host}", File.ReadAllText("/proc/net/unix"));
    }

    /// <summary>A type whose construction a test can see.</summary>
    public sealed class Gadget
    {
        public static int Built;

        public Gadget() => Interlocked.Increment(ref Built);

        public string? Value { get; set; }
    }

    private sealed class Inbox
    {
        private readonly System.Threading.Channels.Channel<object> _messages = System.Threading.Channels.Channel.CreateUnbounded<object>();

        public void Add(object message) => _messages.Writer.TryWrite(message);

        public Task<object> Next => _messages.Reader.ReadAsync().AsTask();

        public bool IsEmpty => !_messages.Reader.TryPeek(out _);

        public override string ToString() => _messages.Reader.TryPeek(out var m) ? m.ToString() ?? "" : "";
    }

    private sealed class Recorder : ReceiveActor
    {
        public Recorder(Inbox inbox) => ReceiveAny(inbox.Add);
    }

    private sealed class Watcher : ReceiveActor
    {
        public Watcher(IActorRef target)
        {
            Context.Watch(target);
            ReceiveAny(_ => { });
        }
    }
}
