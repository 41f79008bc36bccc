using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace AkkaGunicorn.AspNetCore.Exchange;

/// <summary>The HTTP/2 stream a request came on, on HTTP/2 only (as on Kestrel).</summary>
internal sealed partial class ExchangeFeatures<TContext> : IHttp2StreamIdFeature
{
    /// <inheritdoc />
    public int StreamId => _request.StreamId;
}
