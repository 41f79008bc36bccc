using AkkaGunicorn.Workers.Hosting;
using Xunit;

namespace AkkaGunicorn.Workers.Tests.Hosting;

/// <summary>
/// When an idle worker gives memory back: once booted and idle for a tick, then only well above its floor, and not again
/// for nothing.
/// </summary>
public sealed class MemoryTrimTests
{
    private const long MB = 1024 * 1024;

    /// <summary>A trim after booting, which a test could not tell apart from the first in the tests below.</summary>
    private static MemoryTrim Booted(long floor)
    {
        var trim = new MemoryTrim(floor, 64 * MB);
        Assert.False(trim.ShouldTrim(floor, 0, 0));
        Assert.True(trim.ShouldTrim(floor, 0, 0));
        trim.Trimmed(floor);
        return trim;
    }

    [Fact]
    public void The_first_idle_tick_trims_what_booting_left_however_little()
    {
        var trim = new MemoryTrim(100 * MB, 64 * MB);
        Assert.False(trim.ShouldTrim(110 * MB, 1, 0));      // serving already: not idle
        Assert.False(trim.ShouldTrim(110 * MB, 0, 1));      // a request finished since the last tick
        Assert.True(trim.ShouldTrim(110 * MB, 0, 1));       // quiet: booting's garbage goes, within the slack or not
        trim.Trimmed(80 * MB);                               // what stays is the floor, below the first guess
        Assert.False(trim.ShouldTrim(140 * MB, 0, 1));
        Assert.True(trim.ShouldTrim(150 * MB, 0, 1));
    }

    [Fact]
    public void Trims_only_when_idle_and_well_above_the_floor()
    {
        var trim = Booted(100 * MB);
        Assert.False(trim.ShouldTrim(150 * MB, 0, 0));      // idle, but within the slack
        Assert.False(trim.ShouldTrim(900 * MB, 1, 0));      // a request in flight
        Assert.False(trim.ShouldTrim(900 * MB, 0, 5));      // requests finished since the last tick: not idle yet
        Assert.True(trim.ShouldTrim(900 * MB, 0, 5));       // a quiet tick
    }

    [Fact]
    public void A_worker_busy_at_its_first_tick_keeps_the_floor_it_began_with()
    {
        // The first tick may come in the middle of a large upload (the worker serves before the Arbiter answers it).
        var trim = Booted(100 * MB);
        Assert.False(trim.ShouldTrim(550 * MB, 1, 0));
        Assert.False(trim.ShouldTrim(550 * MB, 0, 1));
        Assert.True(trim.ShouldTrim(540 * MB, 0, 1));
    }

    [Fact]
    public void After_a_trim_what_stays_is_the_new_floor()
    {
        var trim = Booted(100 * MB);
        Assert.True(trim.ShouldTrim(900 * MB, 0, 0));
        trim.Trimmed(300 * MB);                              // the app keeps 300 MB for itself
        Assert.False(trim.ShouldTrim(320 * MB, 0, 0));
        Assert.True(trim.ShouldTrim(400 * MB, 0, 0));
        trim.Trimmed(50 * MB);                               // never below the floor it had
        Assert.False(trim.ShouldTrim(360 * MB, 0, 0));
    }
}
