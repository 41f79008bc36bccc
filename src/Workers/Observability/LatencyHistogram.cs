using System.Numerics;

namespace AkkaGunicorn.Workers.Observability;

/// <summary>
/// Request latencies in microseconds, counted in buckets four to each power of two (so a percentile read from it
/// is within 25%), cheap enough to update on every request and small enough to send in every heartbeat.
/// </summary>
public static class LatencyHistogram
{
    /// <summary>Buckets: 4 per power of two, up to 2^32 µs (over an hour).</summary>
    public const int Buckets = 128;

    /// <summary>The bucket of a latency.</summary>
    public static int BucketOf(long microseconds)
    {
        if (microseconds < 4) return (int)Math.Max(0, microseconds);
        int exponent = 63 - BitOperations.LeadingZeroCount((ulong)microseconds);
        int sub = (int)(microseconds >> (exponent - 2)) & 3;
        return Math.Min(Buckets - 1, exponent * 4 + sub);
    }

    /// <summary>The largest latency (µs) a bucket holds.</summary>
    public static long UpperBound(int bucket)
    {
        if (bucket < 4) return bucket;
        int exponent = bucket / 4, sub = bucket % 4;
        return ((4L + sub + 1) << (exponent - 2)) - 1;
    }

    /// <summary>The latency (µs) below which <paramref name="quantile"/> of the counted requests fall; 0 when none.</summary>
    public static long Percentile(IReadOnlyList<long> counts, double quantile)
    {
        long total = counts.Sum();
        if (total == 0) return 0;
        long wanted = (long)Math.Ceiling(quantile * total), seen = 0;
        for (int i = 0; i < counts.Count; i++)
        {
            seen += counts[i];
            if (seen >= wanted) return UpperBound(i);
        }
        return UpperBound(counts.Count - 1);
    }
}
