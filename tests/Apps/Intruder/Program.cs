using System.Net.Sockets;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using AkkaGunicorn.Arbiter.Control;
using AkkaGunicorn.Arbiter.Supervision;
using AkkaGunicorn.Workers.Protocol;
using AkkaGunicorn.Workers.Remoting;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// Another local user attacking a running server's Akka.Remote sockets (abstract Unix sockets, which any local user
// can find in /proc/net/unix and connect to), as the control-plane issue did: every message that once stopped, scaled,
// reloaded, upgraded or read the server, sent over the server's own transport by a process that trusts everyone; then
// raw garbage. It prints one "ANSWERED ..." line for anything that answers and "DONE".
//   Intruder akka NAME:PID...          Akka.Remote attacks on each socket (its name, and the pid its address carries)
//   Intruder garbage NAME COUNT        COUNT connections of garbage (random packets, half claiming a 2 GB frame)
return args switch
{
    ["akka", .. var sockets] => await Attacks.AkkaAsync(sockets.Select(s => s.Split(':')).Select(p => (p[0], int.Parse(p[1]))).ToList()),
    ["garbage", var name, var count] => await Attacks.GarbageAsync(name, int.Parse(count)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Intruder akka NAME:PID... | garbage NAME COUNT");
    return 2;
}

static class Attacks
{
    public static async Task<int> AkkaAsync(IReadOnlyList<(string Name, int Pid)> sockets)
    {
        using var system = ActorSystem.Create("intruder", Setup());
        var answers = system.ActorOf(Props.Create(() => new Listener("uds")), "answers");
        foreach (var (socket, pid) in sockets)
        {
            foreach (var name in new[] { "arbiter", "worker" })
            {
                var root = $"akka.uds://{name}@{socket}:{pid}/user";
                foreach (var message in Messages())
                {
                    Resolve(system, $"{root}/arbiter").Tell(message, answers);
                    Resolve(system, $"{root}/control").Tell(message, answers);
                    Resolve(system, $"{root}/worker").Tell(message, answers);
                    system.ActorSelection($"{root}/arbiter").Tell(message, answers);
                }
                system.ActorSelection($"{root}/arbiter").Tell(new Identify("arbiter"), answers);
            }
        }
        // Answers would come within a round trip; give a slow handshake a few seconds.
        await Task.Delay(TimeSpan.FromSeconds(4));
        await system.Terminate();
        Console.WriteLine("DONE");
        return 0;
    }

    private static IEnumerable<object> Messages() =>
    [
        new GetSnapshot(),
        new ControlActor.Run(new ControlCommand(ControlVerb.Show, "config")),
        new ControlActor.Run(new ControlCommand(ControlVerb.Shutdown, "quick")),
        new RetireAllWorkers(),
        new ScaleWorkers(50),
        new KillWorker(1),
        new SignalWorker(9),
        new Reload("intruder"),
        new UpgradeBinary(),
        new WorkerBootFailed(1, 1, 3),
        new Register("guess", 1, 1),
        new Heartbeat("guess", 1, 0, 0, 0, 0, [], [], [], []),
        new Drain("guess", "intruder", 0),
        new System.Diagnostics.ProcessStartInfo("touch", "/tmp/akkagunicorn-intruder-was-here"),
        PoisonPill.Instance,
        Kill.Instance,
        new Shutdown(Graceful: false, "intruder"),
    ];

    private static IActorRef Resolve(ActorSystem system, string path) => ((ExtendedActorSystem)system).Provider.ResolveActorRef(path);

    /// <summary>The server's own transport and configuration (Akka's serializers open), trusting every peer.</summary>
    private static ActorSystemSetup Setup()
    {
        var config = ConfigurationFactory.ParseString("""
            akka.actor.provider = remote
            akka.remote.enabled-transports = ["akka.remote.uds"]
            akka.remote.uds { transport-class = "AkkaGunicorn.Workers.Remoting.UnixSocketTransport, AkkaGunicorn.Workers", applied-adapters = [] }
            akka.loglevel = ERROR
            akka.stdout-loglevel = ERROR
            """);
        return BootstrapSetup.Create().WithConfig(config).And(new PeerAdmission(_ => true));
    }

    public static async Task<int> GarbageAsync(string name, int count)
    {
        var random = new Random(42);
        for (int i = 0; i < count; i++)
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint("\0akkagunicorn-" + name));
                var bytes = new byte[i % 2 == 0 ? 64 : 4096];
                random.NextBytes(bytes);
                // Half of them: an Akka frame header claiming 2 GB, as the huge frames did.
                if (i % 2 == 0) BitConverter.GetBytes(int.MaxValue).CopyTo(bytes, 0);
                await socket.SendAsync(bytes);
                socket.ReceiveTimeout = 200;
                var answer = new byte[256];
                try
                {
                    if (socket.Receive(answer) > 0) Console.WriteLine("GARBAGE-ANSWERED");
                }
                catch (SocketException)
                {
                }
            }
            catch (SocketException)
            {
            }
        }
        Console.WriteLine("DONE");
        return 0;
    }

    /// <summary>Prints what a server answered. Akka answers an Identify it could not deliver itself, locally and with no subject: not an answer.</summary>
    private sealed class Listener : ReceiveActor
    {
        public Listener(string transport) => ReceiveAny(m =>
        {
            if (m is ActorIdentity { Subject: null } && Sender.Path.Address.Host is null) return;
            Console.WriteLine($"ANSWERED over {transport}: {m} from {Sender.Path}");
        });
    }
}
