namespace AkkaGunicorn.AspNetCore.Exchange;

/// <summary>
/// The per-request defaults the app configured for Kestrel (<c>KestrelServerOptions</c>), which this server honours
/// so the app behaves as it does there.
/// </summary>
/// <param name="AllowSynchronousIO">Whether the app may read and write bodies synchronously; Kestrel's default is no.</param>
/// <param name="MaxRequestBodySize">The largest request body the app accepts; Kestrel's default is 30,000,000 bytes.</param>
internal sealed record ExchangeSettings(bool AllowSynchronousIO, long? MaxRequestBodySize)
{
    /// <summary>Kestrel's defaults.</summary>
    public static ExchangeSettings Default { get; } = new(false, 30_000_000);
}
