using AkkaGunicorn.Http.Server;
using Xunit;

namespace AkkaGunicorn.Http.Tests.Deadlines;

/// <summary>The roster's bookkeeping: counts by phase, and who is closed first when a host needs room.</summary>
public sealed class ConnectionRosterTests
{
    [Fact]
    public void Counts_follow_each_connection_through_its_phases()
    {
        var roster = new ConnectionRoster();
        var a = roster.Join(() => { });
        var b = roster.Join(() => { });
        roster.Move(a, ConnectionPhase.ReadingHead);
        roster.Move(a, ConnectionPhase.InRequest);
        roster.Move(b, ConnectionPhase.Upgraded);
        Assert.Equal([0, 0, 1, 0, 1], Counts(roster));
        roster.Move(a, ConnectionPhase.Idle);
        roster.Leave(b);
        roster.Leave(b);
        Assert.Equal([0, 0, 0, 1, 0], Counts(roster));
    }

    [Fact]
    public void The_connection_waiting_longest_goes_first_and_busy_ones_never()
    {
        var closed = new List<string>();
        var roster = new ConnectionRoster();
        var first = roster.Join(() => closed.Add("first"));
        var busy = roster.Join(() => closed.Add("busy"));
        var second = roster.Join(() => closed.Add("second"));
        roster.Move(busy, ConnectionPhase.InRequest);
        // Reading its head, a connection keeps the place it took when it began waiting.
        roster.Move(first, ConnectionPhase.ReadingHead);
        Assert.True(roster.EvictOldest());
        Assert.True(roster.EvictOldest());
        Assert.False(roster.EvictOldest());
        Assert.Equal(["first", "second"], closed);
        // Answered, the busy one waits again: last in line.
        roster.Move(busy, ConnectionPhase.Idle);
        Assert.True(roster.EvictOldest());
        Assert.Equal("busy", closed[^1]);
    }

    [Fact]
    public void An_evicted_connection_does_not_queue_again_and_a_waiting_host_is_woken_once()
    {
        int woken = 0;
        var roster = new ConnectionRoster { WaitingBegan = () => woken++ };
        var a = roster.Join(() => { });
        var b = roster.Join(() => { });
        Assert.Equal(1, woken);
        Assert.Null(roster.WaitingBegan);
        roster.EvictOldest();
        roster.Move(a, ConnectionPhase.ReadingHead);
        roster.EvictOldest();
        Assert.False(roster.AnyWaiting);
        roster.WaitingBegan = () => woken++;
        roster.Move(b, ConnectionPhase.Idle);
        Assert.Equal(1, woken);
        roster.Join(() => { });
        Assert.Equal(2, woken);
    }

    [Fact]
    public void A_connection_spared_from_a_late_eviction_queues_again_when_it_next_waits()
    {
        var roster = new ConnectionRoster();
        var a = roster.Join(() => { });
        roster.EvictOldest();
        roster.Move(a, ConnectionPhase.InRequest);   // its request began before the eviction reached it
        roster.Spare(a);
        Assert.False(roster.AnyWaiting);
        roster.Move(a, ConnectionPhase.Idle);
        Assert.True(roster.AnyWaiting);
    }

    [Fact]
    public void Only_a_connection_that_has_waited_long_enough_is_closed_for_room()
    {
        long now = 10_000;
        var closed = new List<string>();
        var roster = new ConnectionRoster(() => now);
        var busy = roster.Join(() => closed.Add("busy"));
        roster.Move(busy, ConnectionPhase.InRequest);
        now += 5_000;
        roster.Move(busy, ConnectionPhase.Idle);       // answered a moment ago: between two requests, not idle
        now += 10;
        Assert.Equal(10, roster.LongestWait);
        Assert.False(roster.EvictOldest(minWaitMs: 1000));
        now += 1000;
        Assert.True(roster.EvictOldest(minWaitMs: 1000));
        Assert.Equal(["busy"], closed);
    }

    private static int[] Counts(ConnectionRoster roster) =>
        Enum.GetValues<ConnectionPhase>().Select(roster.Count).ToArray();
}
