using AkkaGunicorn.Arbiter.Control;
using Xunit;

namespace AkkaGunicorn.Arbiter.Tests.Control;

/// <summary>The control commands' words, as gunicornc's: accepted forms and clear refusals.</summary>
public sealed class ControlCommandTests
{
    [Theory]
    [InlineData("show", ControlVerb.Show, "all")]
    [InlineData("  show   workers ", ControlVerb.Show, "workers")]
    [InlineData("SHOW Stats", ControlVerb.Show, "stats")]
    [InlineData("worker add", ControlVerb.WorkerAdd, "1")]
    [InlineData("worker add 3", ControlVerb.WorkerAdd, "3")]
    [InlineData("worker remove 2", ControlVerb.WorkerRemove, "2")]
    [InlineData("worker kill 4242", ControlVerb.WorkerKill, "4242")]
    [InlineData("reload", ControlVerb.Reload, "")]
    [InlineData("reopen", ControlVerb.Reopen, "")]
    [InlineData("shutdown", ControlVerb.Shutdown, "graceful")]
    [InlineData("shutdown quick", ControlVerb.Shutdown, "quick")]
    [InlineData("help", ControlVerb.Help, "")]
    public void Accepts(string line, ControlVerb verb, string argument) =>
        Assert.Equal(new ControlCommand(verb, argument), ControlCommand.Parse(line));

    [Fact]
    public void Accepts_cluster_commands()
    {
        Assert.Equal(new ControlCommand(ControlVerb.ShowCluster, ""), ControlCommand.Parse("show cluster"));
        Assert.Equal(new ControlCommand(ControlVerb.ShowCluster, "stats"), ControlCommand.Parse("show cluster stats"));
        Assert.Equal(new ControlCommand(ControlVerb.ClusterReload, ""), ControlCommand.Parse("cluster reload"));
        Assert.Equal(new ControlCommand(ControlVerb.ClusterReload, "") { Role = "web", Parallel = 3 },
            ControlCommand.Parse("cluster reload --parallel 3 --role web"));
        Assert.Equal(new ControlCommand(ControlVerb.ClusterScale, "4") { Role = "api" }, ControlCommand.Parse("cluster scale 4 --role api"));
        Assert.Equal(new ControlCommand(ControlVerb.ClusterShutdown, ""), ControlCommand.Parse("cluster shutdown"));
        Assert.Equal(new ControlCommand(ControlVerb.ClusterDrain, "10.0.0.5:4053"), ControlCommand.Parse("cluster drain 10.0.0.5:4053"));
        Assert.Equal(new ControlCommand(ControlVerb.ClusterUndrain, "10.0.0.5:4053"), ControlCommand.Parse("cluster undrain 10.0.0.5:4053"));
        Assert.True(ControlCommand.Parse("show cluster").IsCluster);
        Assert.False(ControlCommand.Parse("show stats").IsCluster);
    }

    [Theory]
    [InlineData("cluster", "cluster what?")]
    [InlineData("cluster restart", "cluster 'restart'")]
    [InlineData("cluster reload --parallel 0", "expected a count from 1 to 1000")]
    [InlineData("cluster reload --parallel", "unexpected '--parallel'")]
    [InlineData("cluster reload now", "unexpected 'now'")]
    [InlineData("cluster scale", "expected a worker count from 1 to 1024")]
    [InlineData("cluster scale 0", "expected a worker count from 1 to 1024")]
    [InlineData("cluster drain", "cluster drain what?")]
    [InlineData("show cluster everything", "expected 'show cluster' or 'show cluster stats'")]
    public void Refuses_bad_cluster_commands(string line, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => ControlCommand.Parse(line)).Message);

    [Theory]
    [InlineData("", "empty command")]
    [InlineData("restart", "unknown command 'restart'")]
    [InlineData("show everything", "show what? 'everything'")]
    [InlineData("worker add many", "expected a count from 1 to 1024")]
    [InlineData("worker add 0", "expected a count from 1 to 1024")]
    [InlineData("worker kill", "expected a PID")]
    [InlineData("worker pause 3", "expected add, remove or kill")]
    [InlineData("shutdown now", "expected graceful or quick")]
    [InlineData("reload now please", "too many words")]
    public void Refuses(string line, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => ControlCommand.Parse(line)).Message);
}
