using AkkaGunicorn.Http.Server;

namespace AkkaGunicorn.Workers.Observability;

/// <summary>Several observers as one.</summary>
public sealed class ExchangeObservers(IReadOnlyList<IExchangeObserver> observers) : IExchangeObserver
{
    /// <inheritdoc />
    public void Completed(in Exchange exchange)
    {
        foreach (var observer in observers) observer.Completed(exchange);
    }
}
