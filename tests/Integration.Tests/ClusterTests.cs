using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>
/// Cluster deployments for real: three Arbiters on 127.0.0.1-3 joined over mutual TLS, behind Debian's nginx, steered
/// with ctl from any node.
/// </summary>
public sealed class ClusterTests(ITestOutputHelper output)
{
    private static int Generation(JsonNode node) => (int)node["generation"]!;

    [Fact]
    public async Task A_rolling_reload_through_nginx_under_load_raises_every_generation_and_loses_nothing()
    {
        await using var fleet = await ArbiterFleet.StartAsync(3, output, roles: [["web", "canary"], ["web"], ["web"]]);
        int front = NginxFront.FreePort();
        await using var nginx = await NginxFront.StartAsync(fleet.Directory, fleet.NginxSite(front), front);
        await using var load = SteadyLoad.Start(front, 8);
        await load.WaitForMoreSuccessesAsync(300);
        var before = await fleet.WaitForMembersAsync(0, nodes => nodes.All(n => n!["generation"] is not null), "every node's state");
        Assert.All(before, n => Assert.Equal(1, Generation(n!)));
        // Same app and the same configuration but for each host's own addresses, certificate and roles.
        Assert.Single(before.Select(n => (string)n!["app"]!).Distinct());
        Assert.Single(before.Select(n => (string)n!["config"]!).Distinct());

        var clock = Stopwatch.StartNew();
        var (code, answer) = await Ctl.RunAsync(fleet.ControlSocket(1), "cluster reload", output);
        output.WriteLine($"three-node rolling reload: {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(0, code);
        var reloaded = (JsonArray)answer["nodes"]!;
        // One node after another, in address order, each at its next generation.
        Assert.Equal(Enumerable.Range(0, 3).Select(fleet.NodeOf), reloaded.Select(n => (string)n!["address"]!));
        Assert.All(reloaded, n => Assert.Equal(2, Generation(n!)));
        await load.WaitForMoreSuccessesAsync(300);
        Assert.True(load.Failures == 0, $"{load.Failures} requests failed during the rolling reload: {string.Join("; ", load.Errors.Take(5))}");

        // Every node's view of the fleet agrees: three nodes up, each at generation 2.
        for (int i = 0; i < 3; i++)
            await fleet.WaitForMembersAsync(i, nodes => nodes.Count == 3 && nodes.All(n => (string)n!["status"]! == "up" && n["generation"] is JsonValue g && (int)g == 2),
                "every node at generation 2");

        // A role picks nodes: only the canary reloads.
        (code, answer) = await Ctl.RunAsync(fleet.ControlSocket(2), "cluster reload --role canary", output);
        Assert.Equal(0, code);
        Assert.Equal([fleet.NodeOf(0)], ((JsonArray)answer["nodes"]!).Select(n => (string)n!["address"]!));
        var after = await fleet.WaitForMembersAsync(1, nodes => Generation(ArbiterFleet.Member(nodes, fleet.NodeOf(0))!) == 3, "the canary at generation 3");
        Assert.Equal(2, Generation(ArbiterFleet.Member(after, fleet.NodeOf(1))!));
        Assert.Equal(2, Generation(ArbiterFleet.Member(after, fleet.NodeOf(2))!));

        // A drained node refuses new connections and lets its clients go (nginx moves them); undrained, it serves again.
        string drained = fleet.NodeOf(1);
        int drainedPort = fleet[1].Port;
        (code, answer) = await Ctl.RunAsync(fleet.ControlSocket(0), $"cluster drain {drained}", output);
        Assert.Equal(0, code);
        var refused = await Record.ExceptionAsync(() => new TcpClient().ConnectAsync(ArbiterFleet.HostOf(1), drainedPort));
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(refused).SocketErrorCode);
        await fleet.WaitForMembersAsync(2, nodes => (string?)ArbiterFleet.Member(nodes, drained)?["health"] == "drained", "the node drained");
        long servedWhileDrained = load.Successes;
        await load.WaitForMoreSuccessesAsync(300);
        (code, answer) = await Ctl.RunAsync(fleet.ControlSocket(2), $"cluster undrain {drained}", output);
        Assert.Equal(0, code);
        using (var direct = new HttpClient())
            Assert.Equal(HttpStatusCode.OK, (await direct.GetAsync($"http://{ArbiterFleet.HostOf(1)}:{drainedPort}/")).StatusCode);
        await fleet.WaitForMembersAsync(0, nodes => (string?)ArbiterFleet.Member(nodes, drained)?["health"] == "ok", "the node serving again");
        Assert.True(load.Successes > servedWhileDrained);
        (code, answer) = await Ctl.RunAsync(fleet.ControlSocket(0), "cluster drain 127.0.0.99:1", output);
        Assert.NotEqual(0, code);
        Assert.Contains("no node 127.0.0.99:1 in the fleet", (string)answer["error"]!);

        // Fleet-wide figures merge every node's latency histogram.
        var stats = await Ctl.AskAsync(fleet.ControlSocket(0), "show cluster stats");
        Assert.Equal(3, (int)stats["fleet"]!["nodes"]!);
        Assert.True((long)stats["fleet"]!["requests"]! > 0);
        Assert.True((double)stats["latency_ms"]!["p99"]! > 0);
        Assert.Equal(0, load.Failures);
    }

    [Fact]
    public async Task A_killed_node_is_downed_and_removed_while_the_others_serve_and_it_joins_again_when_restarted()
    {
        var downAfter = TimeSpan.FromSeconds(3);
        await using var fleet = await ArbiterFleet.StartAsync(3, output, downAfter);
        int front = NginxFront.FreePort();
        await using var nginx = await NginxFront.StartAsync(fleet.Directory, fleet.NginxSite(front), front);
        await using var load = SteadyLoad.Start(front, 4);
        await load.WaitForMoreSuccessesAsync(200);

        string victim = fleet.NodeOf(2);
        var clock = Stopwatch.StartNew();
        await fleet.KillAsync(2);
        await fleet.WaitForMembersAsync(0, nodes => (string?)ArbiterFleet.Member(nodes, victim)?["status"] == "unreachable", $"{victim} unreachable");
        var unreachable = clock.Elapsed;
        await fleet.WaitForMembersAsync(0, nodes => ArbiterFleet.Member(nodes, victim) is null, $"{victim} removed", downAfter + TimeSpan.FromSeconds(30));
        var removed = clock.Elapsed;
        output.WriteLine($"killed node: unreachable after {unreachable.TotalSeconds:0.0} s, removed after {removed.TotalSeconds:0.0} s (down_after {downAfter.TotalSeconds} s)");
        var survivors = await fleet.WaitForMembersAsync(1, nodes => nodes.Count == 2, "two nodes");
        Assert.All(survivors, n => Assert.Equal("up", (string)n!["status"]!));
        // The others keep serving through nginx.
        await load.WaitForMoreSuccessesAsync(200);

        await fleet.StartNodeAsync(2);
        foreach (int i in new[] { 0, 2 })
            await fleet.WaitForMembersAsync(i, nodes => nodes.Count == 3 && nodes.All(n => (string)n!["status"]! == "up"), "the restarted node up again");
        // A fleet command reaches it again.
        var (code, answer) = await Ctl.RunAsync(fleet.ControlSocket(2), "cluster scale 2", output);
        Assert.Equal(0, code);
        Assert.Equal(3, ((JsonArray)answer["nodes"]!).Count);
        await fleet[2].WaitForCountAsync(ServerProcess.ServingRegex(), 2);
    }

    [SkippableFact]
    public async Task Nobody_without_a_certificate_from_the_fleets_CA_gets_in()
    {
        await using var fleet = await ArbiterFleet.StartAsync(1, output);
        string node = fleet.NodeOf(0);

        // A node whose certificate another CA signed (it trusts both CAs, so it starts and tries) never joins.
        using var strangers = new TestCertificates();
        var (cert, key, _) = strangers.Node("intruder");
        var bundle = Path.Combine(fleet.Directory, "both-cas.pem");
        File.WriteAllText(bundle, File.ReadAllText(strangers.CaFile) + "\n" + File.ReadAllText(fleet.Certificates.CaFile));
        var intruderArgs = fleet.ArgumentsOf(0, cert, key, bundle).ToList();
        intruderArgs[intruderArgs.IndexOf("--bind") + 1] = "127.0.0.9:0";
        intruderArgs[intruderArgs.IndexOf("--control-socket") + 1] = Path.Combine(fleet.Directory, "intruder.ctl");
        intruderArgs[intruderArgs.IndexOf("--cluster-bind") + 1] = $"127.0.0.9:{NginxFront.FreePort()}";
        await using var intruder = await ServerProcess.StartServingAsync(intruderArgs, 1, output, bindsGiven: true, host: "127.0.0.9");
        // Its join attempts reach the node's TLS handshake and end there.
        await fleet[0].WaitForLineAsync(new System.Text.RegularExpressions.Regex("Rejected incoming connection .* TLS handshake failure"), TimeSpan.FromSeconds(30));
        var members = await fleet.MembersAsync(0);
        Assert.Equal([node], members.Select(n => (string)n!["address"]!));

        // Another local user's TLS client without a certificate is refused in the handshake.
        using var second = new SecondUser();
        Skip.If(second.Unavailable is not null, second.Unavailable);
        var (_, said, complained) = await second.RunAsync("openssl", "s_client", "-connect", node, "-brief");
        output.WriteLine(said + complained);
        Assert.DoesNotContain("Verification: OK", said + complained);
        Assert.Matches("(?i)(alert|error|errno)", said + complained);

        // A plain TCP client's bytes are not read as anything: the connection ends, the node carries on.
        using (var plain = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            var parts = node.Split(':');
            await plain.ConnectAsync(new IPEndPoint(IPAddress.Parse(parts[0]), int.Parse(parts[1])));
            await plain.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\nJoin akka.tcp://akkagunicorn@127.0.0.9:1\r\n"u8.ToArray());
            var buffer = new byte[1024];
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                while (await plain.ReceiveAsync(buffer, SocketFlags.None, patience.Token) > 0) { }
            }
            catch (SocketException)
            {
                // Reset: refused just as well.
            }
        }

        // A TLS client without a certificate from .NET: the node refuses it.
        using (var tcp = new TcpClient())
        {
            var parts = node.Split(':');
            await tcp.ConnectAsync(IPAddress.Parse(parts[0]), int.Parse(parts[1]));
            await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
            var refused = await Record.ExceptionAsync(async () =>
            {
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "node" });
                // TLS 1.3 reports a missing client certificate after the handshake: at the first read.
                var buffer = new byte[16];
                if (await tls.ReadAsync(buffer) == 0) throw new IOException("closed");
            });
            Assert.NotNull(refused);
        }
        Assert.Equal([node], (await fleet.MembersAsync(0)).Select(n => (string)n!["address"]!));
        Assert.Equal("up", (string)(await fleet.MembersAsync(0))[0]!["status"]!);
    }

    [Fact]
    public async Task After_a_USR2_upgrade_the_new_Arbiter_takes_the_hosts_place_in_the_fleet()
    {
        await using var fleet = await ArbiterFleet.StartAsync(2, output);
        var node = fleet[1];
        int old = node.Pid, successor = 0;
        try
        {
            node.Signal(Posix.SIGUSR2);
            successor = int.Parse((await node.WaitForLineAsync(new System.Text.RegularExpressions.Regex(@"started a new Arbiter \(pid (\d+)\)"))).Groups[1].Value);
            // Side by side, the old Arbiter keeps the host's place: the new one waits for the port.
            await node.WaitForLineAsync(new System.Text.RegularExpressions.Regex($@"\[{successor}\] \[INFO\] cluster.bind .* is held by the Arbiter this one replaces"));
            int worker = int.Parse((await node.WaitForLineAsync(new System.Text.RegularExpressions.Regex($@"\[{successor}\] \[INFO\] Booting worker with pid: (\d+)"))).Groups[1].Value);
            await node.WaitForLineAsync(new System.Text.RegularExpressions.Regex($@"\[{worker}\] \[INFO\] Serving on"));
            Assert.Equal(old, (int)ArbiterFleet.Member(await fleet.MembersAsync(0), fleet.NodeOf(1))!["pid"]!);

            // Retired (WINCH, then TERM, as in Gunicorn), the old one leaves gracefully and the new one joins in its place.
            Posix.Kill(old, Posix.SIGWINCH);
            Posix.Kill(old, Posix.SIGTERM);
            await node.WaitForLineAsync(new System.Text.RegularExpressions.Regex($@"\[{old}\] \[INFO\] Leaving the fleet"));
            var view = await fleet.WaitForMembersAsync(0, nodes => nodes.Count == 2 && ArbiterFleet.Member(nodes, fleet.NodeOf(1))?["pid"] is JsonValue pid
                && (int)pid == successor && (string)ArbiterFleet.Member(nodes, fleet.NodeOf(1))!["status"]! == "up", "the successor in the old one's place");
            Assert.Equal(2, view.Count);
            var (code, _) = await Ctl.RunAsync(fleet.ControlSocket(0), "cluster reload", output);
            Assert.Equal(0, code);
        }
        finally
        {
            if (successor != 0)
            {
                Posix.Kill(successor, Posix.SIGTERM);
                if (!await Posix.WaitGoneAsync(successor, TimeSpan.FromSeconds(30))) Posix.Kill(successor, Posix.SIGKILL);
            }
        }
    }

    [Fact]
    public async Task A_node_whose_cluster_port_is_taken_refuses_to_start()
    {
        using var certificates = new TestCertificates();
        var (cert, key, _) = certificates.Node("node");
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        squatter.Listen();
        string bind = squatter.LocalEndPoint!.ToString()!;
        await using var server = ServerProcess.Start(["--bind", "127.0.0.1:0", "--cluster", "--cluster-bind", bind, "--cluster-certfile", cert,
            "--cluster-keyfile", key, "--cluster-ca-certs", certificates.CaFile, Paths.Hello], output);
        Assert.Equal(1, await server.WaitForExitAsync());
        Assert.Contains(server.Lines, l => l.Contains($"setting 'cluster.bind' = '{bind}': cannot listen: another process listens on that port"));
    }

    [SkippableFact]
    public async Task In_a_partition_the_minority_downs_itself_and_acts_on_nothing_while_the_majority_carries_on()
    {
        using var network = new NetworkNamespace();
        Skip.If(network.Unavailable is not null, network.Unavailable);
        // Nodes 0 and 1 on this side of the link, node 2 alone in the namespace on the other.
        var placement = new ArbiterFleet.Placement(i => i == 2 ? network.InnerAddress : network.HostAddress, i => i == 2 ? network.Exec : null);
        await using var fleet = await ArbiterFleet.StartAsync(3, output, TimeSpan.FromSeconds(3), placement: placement);
        string minority = fleet.NodeOf(2);

        var clock = Stopwatch.StartNew();
        network.Cut();
        // The minority refuses fleet commands as soon as it notices, and downs itself once its resolver decides.
        await fleet.WaitForMembersAsync(2, nodes => nodes.Any(n => (string)n!["status"]! == "unreachable"), "the other side unreachable");
        var (code, answer) = await Ctl.RunAsync(fleet.ControlSocket(2), "cluster reload", output);
        Assert.NotEqual(0, code);
        Assert.Contains("unreachable from this node", (string)answer["error"]!);
        await fleet[2].WaitForLineAsync(new System.Text.RegularExpressions.Regex(@"This node was removed from the fleet \(downed"), TimeSpan.FromSeconds(60));
        // The majority downs and removes it, and goes on: its rolling reload runs on its two nodes.
        await fleet.WaitForMembersAsync(0, nodes => ArbiterFleet.Member(nodes, minority) is null, "the minority removed", TimeSpan.FromSeconds(60));
        output.WriteLine($"partition: minority removed after {clock.Elapsed.TotalSeconds:0.0} s");
        (code, answer) = await Ctl.RunAsync(fleet.ControlSocket(1), "cluster reload", output);
        Assert.Equal(0, code);
        Assert.Equal(new[] { fleet.NodeOf(0), fleet.NodeOf(1) }.Order(StringComparer.Ordinal),
            ((JsonArray)answer["nodes"]!).Select(n => (string)n!["address"]!).Order(StringComparer.Ordinal));
        // Nothing reached the minority: its generation is still the first.
        Assert.Equal(1, (int)(await Ctl.AskAsync(fleet.ControlSocket(2), "show all"))["arbiter"]!["generation"]!);

        // Healed, the downed node joins again.
        network.Heal();
        await fleet.WaitForMembersAsync(0, nodes => nodes.Count == 3 && nodes.All(n => (string)n!["status"]! == "up"), "the minority back", TimeSpan.FromSeconds(60));
        output.WriteLine($"partition: healed and rejoined after {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task A_rollout_whose_coordinator_dies_is_resumed_by_the_next_one_and_no_node_reloads_twice()
    {
        // Node 0, the oldest, holds the coordinator; the rollout is for the web nodes, 1 and then 2.
        await using var fleet = await ArbiterFleet.StartAsync(3, output, TimeSpan.FromSeconds(3), roles: [["edge"], ["web"], ["web"]]);
        var reloading = new System.Text.RegularExpressions.Regex($@"\[{fleet[1].Pid}\] \[INFO\] Reloading \(ctl reload\)");
        var rollout = Ctl.RunAsync(fleet.ControlSocket(2), "cluster reload --role web", output);
        await fleet[1].WaitForLineAsync(reloading);
        await fleet.KillAsync(0);

        var (code, answer) = await rollout;
        Assert.Equal(0, code);
        Assert.Equal([fleet.NodeOf(1), fleet.NodeOf(2)], ((JsonArray)answer["nodes"]!).Select(n => (string)n!["address"]!));
        // The next-oldest survivor (whichever joined first) took over and resumed it.
        Assert.Contains(fleet[1].Lines.Concat(fleet[2].Lines), l => l.Contains("resuming rolling reload"));
        // Node 1 reloaded once, though its step was sent twice (by the dead coordinator and by the one that resumed).
        Assert.Single(fleet[1].Lines, l => reloading.IsMatch(l));
        Assert.Equal(2, (int)(await Ctl.AskAsync(fleet.ControlSocket(1), "show all"))["arbiter"]!["generation"]!);
        Assert.Equal(2, (int)(await Ctl.AskAsync(fleet.ControlSocket(2), "show all"))["arbiter"]!["generation"]!);
    }
}
