using AkkaGunicorn.Workers.Hosting;
using Xunit;

namespace AkkaGunicorn.Workers.Tests.Hosting;

/// <summary>When an idle worker gives memory back: well above its floor, idle for a tick, and not again for nothing.</summary>
public sealed class MemoryTrimTests
{
    private const long MB = 1024 * 1024;

    [Fact]
    public void Trims_only_when_idle_and_well_above_the_floor()
    {
        var trim = new MemoryTrim(100 * MB, 64 * MB);
        Assert.False(trim.ShouldTrim(150 * MB, 0, 0));      // idle, but within the slack
        Assert.False(trim.ShouldTrim(900 * MB, 1, 0));      // a request in flight
        Assert.False(trim.ShouldTrim(900 * MB, 0, 5));      // requests finished since the last tick: not idle yet
        Assert.True(trim.ShouldTrim(900 * MB, 0, 5));       // a quiet tick
    }

    [Fact]
    public void A_worker_busy_at_its_first_tick_keeps_the_floor_it_began_with()
    {
        // The first tick may come in the middle of a large upload (the worker serves before the Arbiter answers it).
        var trim = new MemoryTrim(100 * MB, 64 * MB);
        Assert.False(trim.ShouldTrim(550 * MB, 1, 0));
        Assert.False(trim.ShouldTrim(550 * MB, 0, 1));
        Assert.True(trim.ShouldTrim(540 * MB, 0, 1));
    }

    [Fact]
    public void After_a_trim_what_stays_is_the_new_floor()
    {
        var trim = new MemoryTrim(100 * MB, 64 * MB);
        Assert.False(trim.ShouldTrim(900 * MB, 0, 0));      // the first tick has no earlier count to be idle against
        Assert.True(trim.ShouldTrim(900 * MB, 0, 0));
        trim.Trimmed(300 * MB);                              // the app keeps 300 MB for itself
        Assert.False(trim.ShouldTrim(320 * MB, 0, 0));
        Assert.True(trim.ShouldTrim(400 * MB, 0, 0));
        trim.Trimmed(50 * MB);                               // never below the floor it had
        Assert.False(trim.ShouldTrim(360 * MB, 0, 0));
    }
}
