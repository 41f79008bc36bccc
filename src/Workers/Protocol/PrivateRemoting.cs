using Akka.Actor.Setup;
using Akka.Remote.Transport.DotNetty;

namespace AkkaGunicorn.Workers.Protocol;

/// <summary>
/// Akka.Remote as a private channel between the Arbiter and its workers. Loopback is no boundary (every local user can
/// connect to 127.0.0.1), so the kernel's word is replaced by cryptography: mutual TLS in which both ends present this
/// run's certificate and accept no other (<see cref="RunCredentials"/>). Behind it, untrusted mode drops remote
/// deployment, actor selections and PoisonPill/Kill, and every serializer but the protocol's is closed
/// (<see cref="ClosedSerializer"/>), so even a holder of the certificate can send nothing but protocol messages.
/// </summary>
public static class PrivateRemoting
{
    /// <summary>The remoting HOCON for either process: TLS on an ephemeral loopback port, untrusted mode, serializers closed.</summary>
    public const string Config = $$"""
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, enable-ssl = true }
        # Quiet when idle: one transport thread each way is plenty for control messages, which need no batching (its
        # flush timer ticks every 40 ms), and nothing watches across processes, so the remote watcher need not tick.
        akka.remote.dot-netty.tcp.server-socket-worker-pool { pool-size-min = 1, pool-size-max = 1 }
        akka.remote.dot-netty.tcp.client-socket-worker-pool { pool-size-min = 1, pool-size-max = 1 }
        akka.remote.dot-netty.tcp.batching.enabled = false
        akka.remote.watch-failure-detector.heartbeat-interval = 60s
        akka.remote.watch-failure-detector.unreachable-nodes-reaper-interval = 60s
        # Each association's writer checks for system-message acks to send every half of this (150 ms by default);
        # no system messages cross (no remote watch or deployment), so nothing waits on those acks.
        akka.remote.system-message-ack-piggyback-timeout = 5s
        akka.remote.resend-interval = 10s
        akka.remote.untrusted-mode = on
        akka.remote.trusted-selection-paths = []
        akka.remote.log-remote-lifecycle-events = off
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        akka.actor.serializers {
          json = "AkkaGunicorn.Workers.Protocol.ClosedJsonSerializer, AkkaGunicorn.Workers"
          proto = "AkkaGunicorn.Workers.Protocol.ClosedProtobufSerializer, AkkaGunicorn.Workers"
          daemon-create = "AkkaGunicorn.Workers.Protocol.ClosedDaemonSerializer, AkkaGunicorn.Workers"
          bytes = "AkkaGunicorn.Workers.Protocol.ClosedBytesSerializer, AkkaGunicorn.Workers"
          akka-containers = "AkkaGunicorn.Workers.Protocol.ClosedContainerSerializer, AkkaGunicorn.Workers"
          akka-misc = "AkkaGunicorn.Workers.Protocol.ClosedMiscSerializer, AkkaGunicorn.Workers"
          primitive = "AkkaGunicorn.Workers.Protocol.ClosedPrimitiveSerializer, AkkaGunicorn.Workers"
          akka-system-msg = "AkkaGunicorn.Workers.Protocol.ClosedSystemMessageSerializer, AkkaGunicorn.Workers"
          akka-stream-ref = "AkkaGunicorn.Workers.Protocol.ClosedStreamRefSerializer, AkkaGunicorn.Workers"
        }
        {{ProtocolSerializer.Config}}
        {{Hosting.TimerQueueScheduler.Config}}
        """;

    /// <summary>The TLS setup: present <paramref name="credentials"/>, demand a certificate of the peer, accept only the same one.</summary>
    public static Setup Tls(RunCredentials credentials) =>
        new DotNettySslSetup(credentials.Certificate, suppressValidation: false, requireMutualAuthentication: true,
            (certificate, _, _, _, _) => credentials.Admits(certificate));
}
