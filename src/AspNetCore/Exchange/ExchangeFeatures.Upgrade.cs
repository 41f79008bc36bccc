using Microsoft.AspNetCore.Http.Features;

namespace AkkaGunicorn.AspNetCore.Exchange;

/// <summary>
/// Switching protocols (HTTP/1.1 Upgrade), which ASP.NET Core's WebSocket middleware, and so SignalR's WebSocket
/// transport, build on. As on Kestrel, the response starts (its OnStarting callbacks run) as
/// <c>101 Switching Protocols</c> with <c>Connection: Upgrade</c>, and the app gets the connection as a stream.
/// </summary>
internal sealed partial class ExchangeFeatures<TContext> : IHttpUpgradeFeature
{
    private bool _upgraded;

    bool IHttpUpgradeFeature.IsUpgradableRequest => _request.IsUpgradeRequest;

    async Task<Stream> IHttpUpgradeFeature.UpgradeAsync()
    {
        if (!_request.IsUpgradeRequest) throw new InvalidOperationException("Cannot upgrade a non-upgradable request.");
        if (_upgraded) throw new InvalidOperationException("The request has already been upgraded.");
        if (_started) throw new InvalidOperationException("The response has already started; it cannot switch protocols.");
        _upgraded = true;
        _statusCode = 101;
        ReasonPhrase ??= "Switching Protocols";
        await StartResponseAsync();
        return await _response.UpgradeAsync();
    }
}
