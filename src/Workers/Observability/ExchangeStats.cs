using AkkaGunicorn.Http.Server;

namespace AkkaGunicorn.Workers.Observability;

/// <summary>A worker's running totals for its heartbeats: responses by status class and a latency histogram.</summary>
public sealed class ExchangeStats : IExchangeObserver
{
    private readonly long[] _classes = new long[6];
    private readonly long[] _latency = new long[LatencyHistogram.Buckets];

    /// <inheritdoc />
    public void Completed(in Exchange exchange)
    {
        Interlocked.Increment(ref _classes[exchange.Status is >= 100 and < 600 ? exchange.Status / 100 : 0]);
        Interlocked.Increment(ref _latency[LatencyHistogram.BucketOf(exchange.Duration.Ticks / 10)]);
    }

    /// <summary>Responses by class: index 1 is 1xx … 5 is 5xx (0: anything else).</summary>
    public long[] StatusClasses() => Copy(_classes);

    /// <summary>The latency histogram's counts.</summary>
    public long[] Latency() => Copy(_latency);

    private static long[] Copy(long[] source)
    {
        var copy = new long[source.Length];
        for (int i = 0; i < source.Length; i++) copy[i] = Interlocked.Read(ref source[i]);
        return copy;
    }
}
