using AkkaGunicorn.Workers.Sockets;
using Xunit;

namespace AkkaGunicorn.Workers.Tests.Sockets;

/// <summary>The response-rate account: only time spent waiting on the client counts, after the grace period.</summary>
public sealed class ReaderPaceTests
{
    [Fact]
    public void A_reader_too_slow_after_the_grace_period_is_caught()
    {
        var pace = new ReaderPace(minRate: 1000, graceMs: 5000);
        Assert.True(pace.Stalled(now: 1_000));
        pace.Sent(100);
        Assert.False(pace.TooSlow(5_000));    // within the grace period
        Assert.True(pace.TooSlow(7_000));     // 100 bytes in 6 s
    }

    [Fact]
    public void A_reader_at_the_rate_passes_and_time_waiting_on_the_app_does_not_count()
    {
        var pace = new ReaderPace(minRate: 1000, graceMs: 1000);
        pace.Stalled(0);
        pace.Sent(3000);
        pace.Paused(2_000);                   // all sent; the app thinks for a minute
        Assert.False(pace.TooSlow(62_000));
        Assert.False(pace.Stalled(62_000));   // measuring goes on, the pause set aside
        Assert.False(pace.TooSlow(63_000));   // 3000 bytes in 3 s of waiting on the client
        Assert.True(pace.TooSlow(65_000));    // 3000 bytes in 5 s
    }

    [Fact]
    public void A_send_that_goes_through_at_once_ends_the_measure_and_no_limit_means_none()
    {
        var pace = new ReaderPace(minRate: 1000, graceMs: 0);
        pace.Stalled(0);
        pace.KeptUp();
        Assert.False(pace.Measuring);
        Assert.False(pace.TooSlow(100_000));
        Assert.False(new ReaderPace(0, 0).Enabled);
    }
}
