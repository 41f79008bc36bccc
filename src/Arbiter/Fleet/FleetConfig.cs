using AkkaGunicorn.Arbiter.Settings;
using AkkaGunicorn.Workers.Logging;

namespace AkkaGunicorn.Arbiter.Fleet;

/// <summary>The HOCON of a node's cluster actor system, from its <c>cluster.*</c> settings.</summary>
public static class FleetConfig
{
    /// <summary>Every Arbiter's cluster actor system has this name: Akka only joins systems of one name.</summary>
    public const string SystemName = "akkagunicorn";

    /// <summary>The actor-system address of a node listening at <paramref name="endpoint"/>.</summary>
    public static string AddressOf(ClusterEndpoint endpoint) => AddressOf(endpoint.ToString());

    /// <summary>The actor-system address of the node at HOST:PORT (the transport is TLS, hence akka.ssl.tcp).</summary>
    public static string AddressOf(string node) => $"akka.ssl.tcp://{SystemName}@{node}";

    /// <summary>The configuration: cluster provider, TLS transport on <c>cluster.bind</c>, seeds, roles, split brain resolver.</summary>
    public static string For(ClusterSettings cluster, string logLevel)
    {
        static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        string host = cluster.Bind.Host;
        return $$"""
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp {
              hostname = {{Quote(host)}}
              port = {{cluster.Bind.Port}}
              public-hostname = {{Quote(cluster.PublicHostname ?? host)}}
              enable-ssl = true
              # Control traffic only: one transport thread each way (Akka's default is up to two).
              server-socket-worker-pool { pool-size-min = 1, pool-size-max = 1 }
              client-socket-worker-pool { pool-size-min = 1, pool-size-max = 1 }
            }
            akka.remote.log-remote-lifecycle-events = off
            akka.cluster {
              seed-nodes = [{{string.Join(", ", cluster.SeedNodes.Select(s => Quote(AddressOf(s))))}}]
              roles = [{{string.Join(", ", cluster.Roles.Select(Quote))}}]
              downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
              split-brain-resolver {
                active-strategy = {{cluster.SplitBrainResolver}}
                stable-after = {{(int)cluster.DownAfter.TotalMilliseconds}}ms
                keep-majority.role = ""
              }
              # A node that is downed (the minority side of a partition) stops its cluster system; the Arbiter keeps
              # serving HTTP and starts a new one that joins again when the seeds answer.
              run-coordinated-shutdown-when-down = on
              log-info = off
              min-nr-of-members = 1
            }
            akka.cluster.distributed-data.gossip-interval = 1s
            # Until the first members are up the proxy finds no coordinator and would warn about it; commands wait in
            # its buffer meanwhile, and ctl refuses fleet commands on a node that is not up.
            akka.cluster.singleton-proxy.log-singleton-identification-failure = off
            akka.coordinated-shutdown {
              run-by-clr-shutdown-hook = off
              exit-clr = off
              terminate-actor-system = on
            }
            akka.log-dead-letters = off
            akka.actor.serializers.fleet = "AkkaGunicorn.Arbiter.Fleet.FleetSerializer, AkkaGunicorn"
            akka.actor.serialization-bindings {
              "AkkaGunicorn.Arbiter.Fleet.IFleetMessage, AkkaGunicorn" = fleet
            }
            akka.loggers = ["AkkaGunicorn.Workers.Logging.SerilogAkkaLogger, AkkaGunicorn.Workers"]
            {{SerilogAkkaLogger.LevelConfig(logLevel)}}
            """;
    }
}
