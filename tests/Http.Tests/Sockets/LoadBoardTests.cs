using AkkaGunicorn.Workers.Balance;
using Xunit;

namespace AkkaGunicorn.Http.Tests.Sockets;

/// <summary>
/// The balancing rule on a real shared-memory file: take a connection only while no live sibling waiting in accept
/// holds fewer.
/// </summary>
public sealed class LoadBoardTests : IDisposable
{
    private readonly string _path = Path.GetTempFileName();
    private readonly LoadBoard _board;

    public LoadBoardTests() => _board = Open();

    private LoadBoard Open() => LoadBoard.Over(new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite), leaveOpen: false);

    public void Dispose()
    {
        _board.Dispose();
        File.Delete(_path);
    }

    [Fact]
    public void A_worker_ahead_of_a_live_sibling_waits_and_one_level_with_it_accepts()
    {
        _board.Join(0);
        _board.Join(1);
        _board.PublishAccepting(0, true);
        _board.PublishAccepting(1, true);
        _board.Publish(0, 2);
        _board.Publish(1, 2);
        Assert.True(_board.MayAccept(0, 2, TimeSpan.FromSeconds(10)));
        Assert.True(_board.MayAccept(1, 2, TimeSpan.FromSeconds(10)));
        _board.Publish(0, 3);
        Assert.False(_board.MayAccept(0, 3, TimeSpan.FromSeconds(10)));
        Assert.True(_board.MayAccept(1, 2, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Draining_stale_and_cleared_siblings_do_not_hold_a_worker_back()
    {
        _board.Join(0);
        _board.Join(1);
        _board.Leave(1);
        Assert.True(_board.MayAccept(0, 5, TimeSpan.FromSeconds(10)));

        _board.Join(2);
        _board.PublishAccepting(2, true);
        Assert.False(_board.MayAccept(0, 5, TimeSpan.FromSeconds(10)));
        Assert.True(_board.MayAccept(0, 5, TimeSpan.FromMilliseconds(-1)));
        _board.Clear(2);
        Assert.True(_board.MayAccept(0, 5, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Two_handles_on_one_file_see_each_other()
    {
        using var other = Open();
        other.Join(3);
        other.PublishAccepting(3, true);
        other.Publish(3, 7);
        Assert.Equal(7, _board.ConnectionsOf(3));
        Assert.False(_board.MayAccept(0, 8, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Slack_lets_a_worker_a_little_ahead_accept()
    {
        _board.Join(0);
        _board.Join(1);
        _board.PublishAccepting(1, true);
        _board.Publish(1, 8);
        Assert.True(_board.MayAccept(0, 9, TimeSpan.FromSeconds(10), slack: 1));
        Assert.False(_board.MayAccept(0, 10, TimeSpan.FromSeconds(10), slack: 1));
        // The worker's own rule: an eighth of what it holds, at least one.
        var share = new FairShare(_board, 0, TimeSpan.FromSeconds(10));
        Assert.True(share.MayAccept(9));
        Assert.False(share.MayAccept(10));
    }

    [Fact]
    public void Only_entries_ever_taken_are_read_and_a_late_high_entry_still_counts()
    {
        _board.Join(0);
        Assert.True(_board.MayAccept(0, 50, TimeSpan.FromSeconds(10)));
        // A sibling far up the board, joined later from another handle, is seen at once.
        using var other = Open();
        other.Join(1500);
        other.PublishAccepting(1500, true);
        other.Publish(1500, 3);
        Assert.False(_board.MayAccept(0, 50, TimeSpan.FromSeconds(10)));
        Assert.True(_board.MayAccept(0, 3, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void A_sibling_not_waiting_in_accept_does_not_hold_a_worker_back()
    {
        // Left to a sibling that is holding back itself, a connection would wait in the queue for both.
        _board.Join(0);
        _board.Join(1);
        _board.Publish(1, 0);
        Assert.True(_board.MayAccept(0, 10, TimeSpan.FromSeconds(10)));
        _board.PublishAccepting(1, true);
        Assert.False(_board.MayAccept(0, 10, TimeSpan.FromSeconds(10)));
        _board.PublishAccepting(1, false);
        Assert.True(_board.MayAccept(0, 10, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void A_worker_takes_connections_while_any_of_its_accept_stages_does_not_hold_back()
    {
        _board.Join(0);
        _board.Join(1);
        _board.Publish(0, 0);
        var gate = new FairShare(_board, 0, TimeSpan.FromSeconds(10)).GateFor(() => 0);
        gate.Lane(true);
        gate.Lane(true);
        Assert.False(_board.MayAccept(1, 10, TimeSpan.FromSeconds(10)));
        gate.HoldingBack(true);
        Assert.False(_board.MayAccept(1, 10, TimeSpan.FromSeconds(10)));
        gate.HoldingBack(true);
        Assert.True(_board.MayAccept(1, 10, TimeSpan.FromSeconds(10)));
        gate.HoldingBack(false);
        Assert.False(_board.MayAccept(1, 10, TimeSpan.FromSeconds(10)));
    }
}
