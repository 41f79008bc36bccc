using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;
using AkkaGunicorn.Arbiter.Control;
using AkkaGunicorn.Arbiter.Supervision;
using AkkaGunicorn.Workers.Protocol;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// Another local user attacking a running server's Akka.Remote ports, as the control-plane issue did: every message
// that once stopped, scaled, reloaded, upgraded or read the server, sent over plain Akka.Remote and over TLS with a
// certificate of its own; then raw garbage. It prints one "ANSWERED ..." line for anything that answers and "DONE".
//   Intruder akka PORT...          Akka.Remote attacks on each loopback port
//   Intruder garbage PORT COUNT    COUNT connections of garbage (a TLS-less frame with a huge length, random bytes)
return args switch
{
    ["akka", .. var ports] => await Attacks.AkkaAsync(ports.Select(int.Parse).ToList()),
    ["garbage", var port, var count] => await Attacks.GarbageAsync(int.Parse(port), int.Parse(count)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Intruder akka PORT... | garbage PORT COUNT");
    return 2;
}

static class Attacks
{
    public static async Task<int> AkkaAsync(IReadOnlyList<int> ports)
    {
        foreach (var tls in new[] { false, true })
        {
            using var system = ActorSystem.Create("intruder", Setup(tls));
            var answers = system.ActorOf(Props.Create(() => new Listener(tls ? "tls" : "plain")), "answers");
            string scheme = tls ? "akka.ssl.tcp" : "akka.tcp";
            foreach (var port in ports)
            {
                foreach (var name in new[] { "arbiter", "worker" })
                {
                    var root = $"{scheme}://{name}@127.0.0.1:{port}/user";
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
        }
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

    private static ActorSystemSetup Setup(bool tls)
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, enable-ssl = {{(tls ? "true" : "false")}} }
            akka.loglevel = ERROR
            akka.stdout-loglevel = ERROR
            """);
        var setup = BootstrapSetup.Create().WithConfig(config);
        if (!tls) return ActorSystemSetup.Create(setup);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var made = new CertificateRequest("CN=akkagunicorn-run-1", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var certificate = X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null);
        return setup.And(new DotNettySslSetup(certificate, suppressValidation: true, requireMutualAuthentication: true, (_, _, _, _, _) => true));
    }

    public static async Task<int> GarbageAsync(int port, int count)
    {
        var random = new Random(42);
        for (int i = 0; i < count; i++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync("127.0.0.1", port);
                var bytes = new byte[i % 2 == 0 ? 64 : 4096];
                random.NextBytes(bytes);
                // Half of them: an Akka frame header claiming 2 GB, as the huge frames did.
                if (i % 2 == 0) BitConverter.GetBytes(int.MaxValue).CopyTo(bytes, 0);
                await socket.SendAsync(bytes);
                socket.ReceiveTimeout = 200;
                var answer = new byte[256];
                try
                {
                    if (socket.Receive(answer) > 0 && i == 0) Console.WriteLine("GARBAGE-ANSWERED (a TLS alert, say)");
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
