using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests.Support;

/// <summary>
/// Arbiters joined in a cluster on loopback addresses of their own (node i listens at 127.0.0.(i+1), HTTP on an
/// ephemeral port, the cluster transport on a port picked free), each with a certificate from a CA made for the test,
/// serving the Hello app with one worker. Disposing stops every node.
/// </summary>
public sealed class ArbiterFleet : IAsyncDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly ServerProcess?[] _nodes;
    private readonly int[] _clusterPorts;
    private readonly string[][] _roles;
    private readonly TimeSpan _downAfter;
    private readonly Placement _placement;

    /// <summary>Where a node's cluster transport listens and what its process runs in (a network namespace, say).</summary>
    /// <param name="ClusterHost">Node i's cluster address.</param>
    /// <param name="Wrapper">The command node i runs under (none: the server itself).</param>
    public sealed record Placement(Func<int, string> ClusterHost, Func<int, IReadOnlyList<string>?> Wrapper);

    private ArbiterFleet(int count, ITestOutputHelper output, TimeSpan downAfter, string[][] roles, Placement? placement)
    {
        _output = output;
        _nodes = new ServerProcess?[count];
        _placement = placement ?? new Placement(HostOf, _ => null);
        _clusterPorts = Enumerable.Range(0, count).Select(_ => FreePort("127.0.0.1")).ToArray();
        _roles = roles;
        _downAfter = downAfter;
        Directory = System.IO.Directory.CreateTempSubdirectory("ag-fleet-").FullName;
    }

    /// <summary>The certificates: the fleet's CA and every node's.</summary>
    public TestCertificates Certificates { get; } = new();

    /// <summary>A private directory for control sockets and the like.</summary>
    public string Directory { get; }

    /// <summary>How many nodes.</summary>
    public int Count => _nodes.Length;

    /// <summary>Node <paramref name="i"/>'s Arbiter.</summary>
    public ServerProcess this[int i] => _nodes[i] ?? throw new InvalidOperationException($"node {i} is not running");

    /// <summary>Node <paramref name="i"/>'s loopback address.</summary>
    public static string HostOf(int i) => $"127.0.0.{i + 1}";

    /// <summary>Node <paramref name="i"/>'s cluster address, HOST:PORT, as <c>show cluster</c> lists it.</summary>
    public string NodeOf(int i) => $"{_placement.ClusterHost(i)}:{_clusterPorts[i]}";

    /// <summary>Node <paramref name="i"/>'s control socket.</summary>
    public string ControlSocket(int i) => Path.Combine(Directory, $"node{i}.ctl");

    /// <summary>Starts <paramref name="count"/> nodes (seeds: the first two) and waits until every node sees them all up.</summary>
    public static async Task<ArbiterFleet> StartAsync(int count, ITestOutputHelper output, TimeSpan? downAfter = null, string[][]? roles = null,
        Placement? placement = null)
    {
        var fleet = new ArbiterFleet(count, output, downAfter ?? TimeSpan.FromSeconds(3), roles ?? Enumerable.Repeat(Array.Empty<string>(), count).ToArray(),
            placement);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, count).Select(fleet.StartNodeAsync));
            for (int i = 0; i < count; i++)
                await fleet.WaitForMembersAsync(i, nodes => nodes.Count == count && nodes.All(n => (string)n!["status"]! == "up"), $"{count} nodes up");
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    /// <summary>The arguments of node <paramref name="i"/>: what an operator would put in each host's server.hocon.</summary>
    public IReadOnlyList<string> ArgumentsOf(int i, string certFile, string keyFile, string caFile) =>
    [
        "--bind", $"{HostOf(i)}:0", "--workers", "1", "-n", "fleet", "--control-socket", ControlSocket(i),
        "--cluster", "--cluster-bind", NodeOf(i),
        "--cluster-seed-node", NodeOf(0), "--cluster-seed-node", NodeOf(Math.Min(1, Count - 1)),
        "--cluster-certfile", certFile, "--cluster-keyfile", keyFile, "--cluster-ca-certs", caFile,
        "--cluster-down-after", ((int)_downAfter.TotalSeconds).ToString(),
        .. _roles[i].SelectMany(r => new[] { "--cluster-role", r }),
        Paths.Hello,
    ];

    /// <summary>Starts (or starts again) node <paramref name="i"/> and waits until its worker serves.</summary>
    public async Task StartNodeAsync(int i)
    {
        var (cert, key, _) = Certificates.Node($"node{i}");
        _nodes[i] = await ServerProcess.StartServingAsync(ArgumentsOf(i, cert, key, Certificates.CaFile), 1, _output, bindsGiven: true, host: HostOf(i),
            wrapper: _placement.Wrapper(i));
    }

    /// <summary>Node <paramref name="i"/>'s <c>show cluster</c> nodes.</summary>
    /// <remarks>Empty while the node is still starting its cluster node (its workers may serve before it has).</remarks>
    public async Task<JsonArray> MembersAsync(int i) => (await Ctl.AskAsync(ControlSocket(i), "show cluster"))["nodes"] as JsonArray ?? [];

    /// <summary>Waits until node <paramref name="i"/>'s view of the fleet satisfies <paramref name="done"/>, and returns it.</summary>
    public Task<JsonArray> WaitForMembersAsync(int i, Func<JsonArray, bool> done, string what, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(() => MembersAsync(i), done, nodes => $"node {i} never saw {what}: {nodes.ToJsonString()}",
            timeout ?? TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100));

    /// <summary>The member <paramref name="node"/> (HOST:PORT) in a view, or null.</summary>
    public static JsonNode? Member(JsonArray nodes, string node) => nodes.FirstOrDefault(n => (string)n!["address"]! == node);

    /// <summary>An nginx site balancing over every node's HTTP port (with upstream keep-alive, as the README's example).</summary>
    public string NginxSite(int listen) => $$"""
        upstream fleet {
        {{string.Join("\n", Enumerable.Range(0, Count).Select(i => $"    server {HostOf(i)}:{this[i].Port};"))}}
            keepalive 16;
        }
        server {
            listen 127.0.0.1:{{listen}};
            location / {
                proxy_pass http://fleet;
                proxy_http_version 1.1;
                proxy_set_header Connection "";
            }
        }
        """;

    /// <summary>Kills node <paramref name="i"/>'s Arbiter (SIGKILL, no goodbye) and waits until it is gone.</summary>
    public async Task KillAsync(int i)
    {
        var node = this[i];
        node.Signal(Posix.SIGKILL);
        await node.WaitForExitAsync();
        await node.DisposeAsync();
        _nodes[i] = null;
    }

    private static int FreePort(string host)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(host), 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
            if (node is not null) await node.DisposeAsync();
        Certificates.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
