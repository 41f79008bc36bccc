using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.DistributedData;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using AkkaGunicorn.Arbiter.Fleet;
using Xunit;

namespace AkkaGunicorn.Arbiter.Tests.Fleet;

/// <summary>The coordinator's rolling reload, with probes as the nodes' agents: order, groups, stopping, resuming.</summary>
public sealed class RolloutTests : TestKit
{
    private readonly Dictionary<string, TestProbe> _agents = new();
    private readonly ConcurrentQueue<RolloutRecord> _saved = new();
    private List<FleetMember> _members = [];
    private RolloutRecord? _stored;

    private FleetAccess Fleet(params string[] nodes)
    {
        _members = nodes.Select(n => new FleetMember(n, n.StartsWith("a") ? ["web", "canary"] : ["web"], "up", true)).ToList();
        foreach (var node in nodes) _agents[node] = CreateTestProbe();
        return new FleetAccess(() => _members, node => _agents[node], _saved.Enqueue,
            replyTo => replyTo.Tell(_stored ?? (object)new NotFound(FleetCoordinator.RolloutKey, null)));
    }

    private static RunStep ExpectStep(TestProbe agent, string rolloutPrefix = "reload-")
    {
        var step = agent.ExpectMsg<RunStep>();
        Assert.Equal(NodeAction.Reload, step.Action);
        Assert.StartsWith(rolloutPrefix, step.StepId);
        return step;
    }

    private static void Answer(TestProbe agent, RunStep step, string node, bool ok = true, string message = "generation 2 serves") =>
        agent.Reply(new StepRan(step.StepId, node, ok, message, ok ? 2 : 1));

    private JsonObject ExpectAnswer() => JsonNode.Parse(ExpectMsg<FleetAnswered>().Json)!.AsObject();

    [Fact]
    public void Nodes_reload_one_after_another_and_the_answer_lists_them()
    {
        var coordinator = Sys.ActorOf(FleetCoordinator.Props(TimeSpan.FromSeconds(30), Fleet("a:1", "b:1", "c:1")));
        coordinator.Tell(new RollingReload(null, 1));
        foreach (var node in new[] { "a:1", "b:1", "c:1" })
        {
            var step = ExpectStep(_agents[node]);
            Assert.EndsWith("/" + node, step.StepId);
            // Nobody else moves until this node's new generation serves.
            foreach (var other in _agents.Where(a => a.Key != node)) other.Value.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
            Answer(_agents[node], step, node);
        }
        var answer = ExpectAnswer();
        Assert.True((bool)answer["ok"]!);
        Assert.Equal(["a:1", "b:1", "c:1"], ((JsonArray)answer["nodes"]!).Select(n => (string)n!["address"]!));
        Assert.Equal("succeeded", _saved.Last().State);
        Assert.Equal(3, _saved.Last().Done);
    }

    [Fact]
    public void Parallel_groups_start_together_and_the_next_waits_for_the_whole_group()
    {
        var coordinator = Sys.ActorOf(FleetCoordinator.Props(TimeSpan.FromSeconds(30), Fleet("a:1", "b:1", "c:1")));
        coordinator.Tell(new RollingReload(null, 2));
        var a = ExpectStep(_agents["a:1"]);
        var b = ExpectStep(_agents["b:1"]);
        Answer(_agents["a:1"], a, "a:1");
        _agents["c:1"].ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Answer(_agents["b:1"], b, "b:1");
        Answer(_agents["c:1"], ExpectStep(_agents["c:1"]), "c:1");
        Assert.True((bool)ExpectAnswer()["ok"]!);
    }

    [Fact]
    public void A_role_picks_its_nodes()
    {
        var coordinator = Sys.ActorOf(FleetCoordinator.Props(TimeSpan.FromSeconds(30), Fleet("a:1", "b:1", "c:1")));
        coordinator.Tell(new RollingReload("canary", 1));
        Answer(_agents["a:1"], ExpectStep(_agents["a:1"]), "a:1");
        Assert.Single((JsonArray)ExpectAnswer()["nodes"]!);
        _agents["b:1"].ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void A_failed_node_stops_the_rollout_and_the_answer_names_it()
    {
        var coordinator = Sys.ActorOf(FleetCoordinator.Props(TimeSpan.FromSeconds(30), Fleet("a:1", "b:1", "c:1")));
        coordinator.Tell(new RollingReload(null, 1));
        Answer(_agents["a:1"], ExpectStep(_agents["a:1"]), "a:1");
        Answer(_agents["b:1"], ExpectStep(_agents["b:1"]), "b:1", ok: false, message: "reload to generation 2 abandoned: the app failed to load");
        var answer = ExpectAnswer();
        Assert.False((bool)answer["ok"]!);
        Assert.Contains("stopped at node b:1: reload to generation 2 abandoned", (string)answer["error"]!);
        Assert.Contains("reloaded: a:1; not reloaded: b:1, c:1", (string)answer["error"]!);
        _agents["c:1"].ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.StartsWith("failed", _saved.Last().State);
    }

    [Fact]
    public void A_silent_node_times_out_and_an_unreachable_one_stops_the_next_group()
    {
        var coordinator = Sys.ActorOf(FleetCoordinator.Props(TimeSpan.FromMilliseconds(300), Fleet("a:1", "b:1")));
        coordinator.Tell(new RollingReload(null, 1));
        ExpectStep(_agents["a:1"]);
        Assert.Contains("stopped at node a:1: no answer within", (string)ExpectAnswer()["error"]!);

        coordinator.Tell(new RollingReload(null, 1));
        var step = ExpectStep(_agents["a:1"]);
        _members = [_members[0], _members[1] with { Reachable = false }];
        Answer(_agents["a:1"], step, "a:1");
        Assert.Contains("stopped at node b:1: unreachable", (string)ExpectAnswer()["error"]!);
        _agents["b:1"].ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void One_rollout_at_a_time_and_none_while_a_member_is_unreachable()
    {
        var coordinator = Sys.ActorOf(FleetCoordinator.Props(TimeSpan.FromSeconds(30), Fleet("a:1", "b:1")));
        coordinator.Tell(new RollingReload(null, 1));
        var step = ExpectStep(_agents["a:1"]);
        coordinator.Tell(new RollingReload(null, 1));
        Assert.Contains("a rolling reload is under way", (string)ExpectAnswer()["error"]!);
        Answer(_agents["a:1"], step, "a:1");
        Answer(_agents["b:1"], ExpectStep(_agents["b:1"]), "b:1");
        Assert.True((bool)ExpectAnswer()["ok"]!);

        _members = [_members[0], _members[1] with { Reachable = false }];
        coordinator.Tell(new RollingReload(null, 1));
        Assert.Contains("node b:1 is unreachable", (string)ExpectAnswer()["error"]!);
        _agents["a:1"].ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void A_new_coordinator_resumes_a_running_rollout_with_the_same_steps()
    {
        var fleet = Fleet("a:1", "b:1", "c:1");
        // The previous coordinator had finished group 1 (a) and sent b its step when its node died.
        _stored = new RolloutRecord("reload-x", [["a:1"], ["b:1"], ["c:1"]], 1, "running", Akka.Serialization.Serialization.SerializedActorPath(TestActor));
        Sys.ActorOf(FleetCoordinator.Props(TimeSpan.FromSeconds(30), fleet));
        var b = ExpectStep(_agents["b:1"], "reload-x/");
        // The same id as before: an agent that ran it already answers with that run instead of reloading twice.
        Assert.Equal("reload-x/b:1", b.StepId);
        _agents["a:1"].ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Answer(_agents["b:1"], b, "b:1");
        Answer(_agents["c:1"], ExpectStep(_agents["c:1"], "reload-x/"), "c:1");
        AwaitCondition(() => _saved.LastOrDefault()?.State == "succeeded");
        // The one who asked the previous coordinator gets the answer.
        Assert.Equal(["b:1", "c:1"], ((JsonArray)ExpectAnswer()["nodes"]!).Select(n => (string)n!["address"]!));

        // A finished one is not resumed.
        _stored = _saved.Last();
        Sys.ActorOf(FleetCoordinator.Props(TimeSpan.FromSeconds(30), fleet));
        foreach (var agent in _agents.Values) agent.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Commands_wait_until_the_last_rollout_is_read_so_a_resumed_one_comes_first()
    {
        IActorRef? reader = null;
        var fleet = Fleet("a:1", "b:1") with { ReadRollout = replyTo => reader = replyTo };
        var coordinator = Sys.ActorOf(FleetCoordinator.Props(TimeSpan.FromSeconds(30), fleet));
        coordinator.Tell(new RollingReload(null, 1));
        _agents["a:1"].ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        AwaitCondition(() => reader is not null);
        reader!.Tell(new RolloutRecord("reload-old", [["a:1"], ["b:1"]], 1, "running"));
        Answer(_agents["b:1"], ExpectStep(_agents["b:1"], "reload-old/"), "b:1");
        Assert.Contains("a rolling reload is under way", (string)ExpectAnswer()["error"]!);
    }

    [Fact]
    public void Scale_runs_on_every_node_at_once()
    {
        var coordinator = Sys.ActorOf(FleetCoordinator.Props(TimeSpan.FromSeconds(30), Fleet("a:1", "b:1")));
        coordinator.Tell(new ScaleFleet(4, null));
        foreach (var (node, agent) in _agents)
        {
            var step = agent.ExpectMsg<RunStep>();
            Assert.Equal((NodeAction.Scale, 4), (step.Action, step.Count));
            agent.Reply(new StepRan(step.StepId, node, true, "1 -> 4 workers", 1));
        }
        var answer = ExpectAnswer();
        Assert.True((bool)answer["ok"]!);
        Assert.Equal(2, ((JsonArray)answer["nodes"]!).Count);
    }
}
