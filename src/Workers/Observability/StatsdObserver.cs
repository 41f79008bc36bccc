using AkkaGunicorn.Http.Server;

namespace AkkaGunicorn.Workers.Observability;

/// <summary>Gunicorn's per-request statsd metrics: gunicorn.requests, gunicorn.request.duration, gunicorn.request.status.NNN.</summary>
public sealed class StatsdObserver(StatsdClient statsd) : IExchangeObserver
{
    /// <inheritdoc />
    public void Completed(in Exchange exchange)
    {
        statsd.Increment("gunicorn.requests");
        statsd.Timing("gunicorn.request.duration", exchange.Duration.TotalMilliseconds);
        statsd.Increment(StatusName(exchange.Status));
    }

    private static readonly string[] StatusNames = Enumerable.Range(0, 600).Select(s => $"gunicorn.request.status.{s}").ToArray();

    private static string StatusName(int status) => status is >= 0 and < 600 ? StatusNames[status] : $"gunicorn.request.status.{status}";
}
