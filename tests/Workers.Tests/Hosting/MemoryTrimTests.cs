using AkkaGunicorn.Workers.Hosting;
using Xunit;

namespace AkkaGunicorn.Workers.Tests.Hosting;

/// <summary>
/// When an idle worker gives memory back: all of it once it has been quiet for a while after booting; then all of it
/// only when well above its floor, and the C library's heap alone after each stretch of serving; never for nothing.
/// </summary>
public sealed class MemoryTrimTests
{
    private const long MB = 1024 * 1024;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    /// <summary>A worker past its boot trim at <paramref name="floor"/>, at 20 s on the clock, 0 requests served.</summary>
    private static MemoryTrim Booted(long floor)
    {
        var trim = new MemoryTrim(floor, Settle, 64 * MB);
        Assert.Equal(TrimDepth.None, trim.Decide(floor, 0, 0, 0));
        Assert.Equal(TrimDepth.None, trim.Decide(floor, 0, 0, 1_000));
        Assert.Equal(TrimDepth.Full, trim.Decide(floor, 0, 0, 11_000));
        trim.Trimmed(floor);
        Assert.Equal(TrimDepth.None, trim.Decide(floor, 0, 0, 20_000));
        return trim;
    }

    [Fact]
    public void Booting_is_trimmed_whole_once_the_worker_has_been_quiet_a_while_however_little_it_left()
    {
        var trim = new MemoryTrim(100 * MB, Settle, 64 * MB);
        Assert.Equal(TrimDepth.None, trim.Decide(110 * MB, 1, 0, 1_000));     // serving already: not quiet
        Assert.Equal(TrimDepth.None, trim.Decide(110 * MB, 0, 1, 2_000));     // a request finished since the last tick
        Assert.Equal(TrimDepth.None, trim.Decide(110 * MB, 0, 1, 3_000));     // quiet from here on
        Assert.Equal(TrimDepth.None, trim.Decide(110 * MB, 0, 1, 12_000));    // not yet ten seconds
        Assert.Equal(TrimDepth.Full, trim.Decide(110 * MB, 0, 1, 13_000));    // booting's garbage goes, within the slack or not
        trim.Trimmed(80 * MB);                                                 // what stays is the floor, below the first guess
        Assert.Equal(TrimDepth.None, trim.Decide(140 * MB, 0, 1, 14_000));
        Assert.Equal(TrimDepth.Full, trim.Decide(150 * MB, 0, 1, 15_000));
    }

    [Fact]
    public void Well_above_the_floor_the_first_quiet_tick_trims_all()
    {
        var trim = Booted(100 * MB);
        Assert.Equal(TrimDepth.None, trim.Decide(150 * MB, 0, 0, 21_000));    // quiet, but within the slack
        Assert.Equal(TrimDepth.None, trim.Decide(900 * MB, 1, 0, 22_000));    // a request in flight
        Assert.Equal(TrimDepth.None, trim.Decide(900 * MB, 0, 5, 23_000));    // requests finished since the last tick
        Assert.Equal(TrimDepth.Full, trim.Decide(900 * MB, 0, 5, 24_000));    // a quiet tick: no waiting
    }

    [Fact]
    public void A_quiet_while_after_serving_trims_the_native_heap_once()
    {
        var trim = Booted(100 * MB);
        Assert.Equal(TrimDepth.None, trim.Decide(110 * MB, 0, 3, 21_000));    // three requests since the last tick
        Assert.Equal(TrimDepth.None, trim.Decide(110 * MB, 0, 3, 22_000));    // quiet from here on
        Assert.Equal(TrimDepth.None, trim.Decide(110 * MB, 0, 3, 31_000));
        Assert.Equal(TrimDepth.NativeHeap, trim.Decide(110 * MB, 0, 3, 32_000)); // what the JIT freed goes back
        Assert.Equal(TrimDepth.None, trim.Decide(110 * MB, 0, 3, 60_000));    // still quiet: nothing new to give back
        Assert.Equal(TrimDepth.None, trim.Decide(110 * MB, 2, 4, 61_000));    // serving again
        Assert.Equal(TrimDepth.None, trim.Decide(110 * MB, 0, 6, 62_000));
        Assert.Equal(TrimDepth.None, trim.Decide(110 * MB, 0, 6, 63_000));
        Assert.Equal(TrimDepth.NativeHeap, trim.Decide(110 * MB, 0, 6, 73_000));
    }

    [Fact]
    public void A_tick_of_serving_starts_the_quiet_while_again()
    {
        var trim = Booted(100 * MB);
        Assert.Equal(TrimDepth.None, trim.Decide(110 * MB, 0, 1, 21_000));
        Assert.Equal(TrimDepth.None, trim.Decide(110 * MB, 0, 1, 22_000));
        Assert.Equal(TrimDepth.None, trim.Decide(110 * MB, 0, 2, 31_000));    // one more request, just before the while was up
        Assert.Equal(TrimDepth.None, trim.Decide(110 * MB, 0, 2, 32_000));
        Assert.Equal(TrimDepth.None, trim.Decide(110 * MB, 0, 2, 41_000));
        Assert.Equal(TrimDepth.NativeHeap, trim.Decide(110 * MB, 0, 2, 42_000));
    }

    [Fact]
    public void A_worker_busy_at_its_first_tick_keeps_the_floor_it_began_with()
    {
        // The first tick may come in the middle of a large upload (the worker serves before the Arbiter answers it).
        var trim = new MemoryTrim(100 * MB, Settle, 64 * MB);
        Assert.Equal(TrimDepth.None, trim.Decide(550 * MB, 1, 0, 1_000));
        Assert.Equal(TrimDepth.None, trim.Decide(550 * MB, 0, 1, 2_000));
        Assert.Equal(TrimDepth.None, trim.Decide(540 * MB, 0, 1, 3_000));
        Assert.Equal(TrimDepth.Full, trim.Decide(540 * MB, 0, 1, 13_000));
        trim.Trimmed(120 * MB);
        Assert.Equal(TrimDepth.None, trim.Decide(180 * MB, 0, 1, 14_000));    // the floor is what the trim left
        Assert.Equal(TrimDepth.Full, trim.Decide(190 * MB, 0, 1, 15_000));
    }

    [Fact]
    public void After_a_trim_what_stays_is_the_new_floor()
    {
        var trim = Booted(100 * MB);
        Assert.Equal(TrimDepth.Full, trim.Decide(900 * MB, 0, 0, 21_000));
        trim.Trimmed(300 * MB);                                                // the app keeps 300 MB for itself
        Assert.Equal(TrimDepth.None, trim.Decide(320 * MB, 0, 0, 22_000));
        Assert.Equal(TrimDepth.Full, trim.Decide(400 * MB, 0, 0, 23_000));
        trim.Trimmed(50 * MB);                                                 // never below the floor it had
        Assert.Equal(TrimDepth.None, trim.Decide(360 * MB, 0, 0, 24_000));
    }
}
