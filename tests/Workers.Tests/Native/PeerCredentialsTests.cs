using System.Diagnostics;
using AkkaGunicorn.Workers.Native;
using Xunit;

namespace AkkaGunicorn.Workers.Tests.Native;

/// <summary>The parent pid the remoting admission rules rest on, read from /proc the way the kernel writes it.</summary>
public sealed class PeerCredentialsTests
{
    [Theory]
    [InlineData("4242 (dotnet) S 17 4242 4242 0 -1 4194560 1", 17)]
    [InlineData("4242 (a) b (c) R 99 1 1 0", 99)]                 // a command name with spaces and parentheses
    [InlineData("4242 (x) Z 1", 1)]
    [InlineData("4242 (x)", -1)]
    [InlineData("garbage", -1)]
    public void Reads_the_parent_after_the_last_parenthesis(string stat, int parent) =>
        Assert.Equal(parent, PeerCredentials.ParentInStat(stat));

    [Fact]
    public void A_child_names_this_process_as_its_parent_and_a_gone_one_has_none()
    {
        using var child = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            Assert.Equal(Environment.ProcessId, PeerCredentials.ParentOf(child.Id));
            Assert.NotEqual(Environment.ProcessId, PeerCredentials.ParentOf(Environment.ProcessId));
        }
        finally
        {
            child.Kill();
            child.WaitForExit();
        }
        Assert.Equal(-1, PeerCredentials.ParentOf(child.Id));
    }
}
