using AkkaGunicorn.Workers.Remoting;

namespace AkkaGunicorn.Workers.Protocol;

/// <summary>
/// Akka.Remote as a private channel between the Arbiter and its workers: Unix sockets in the abstract namespace
/// (<see cref="UnixSocketTransport"/>), where the kernel names every caller, so that each process admits only the
/// other end of its own pair (<see cref="PeerAdmission"/>): the Arbiter its children, a worker its parent. No TCP
/// port, no certificate. Behind it, untrusted mode drops remote deployment, actor selections and PoisonPill/Kill, and
/// every serializer but the protocol's is closed (<see cref="ClosedSerializer"/>), so even an admitted process can
/// send nothing but protocol messages.
/// </summary>
public static class PrivateRemoting
{
    /// <summary>The remoting HOCON for either process: the Unix socket transport, untrusted mode, serializers closed.</summary>
    public const string Config = $$"""
        akka.actor.provider = remote
        akka.remote.enabled-transports = ["akka.remote.uds"]
        akka.remote.uds {
          transport-class = "AkkaGunicorn.Workers.Remoting.UnixSocketTransport, AkkaGunicorn.Workers"
          applied-adapters = []
          maximum-frame-size = 128000b
        }
        # Quiet when idle: nothing watches across processes, so the remote watcher need not tick.
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
}
