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
