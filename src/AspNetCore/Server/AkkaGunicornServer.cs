using AkkaGunicorn.AspNetCore.Exchange;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace AkkaGunicorn.AspNetCore.Server;

/// <summary>
/// The ASP.NET Core server (<see cref="IServer"/>) that stands in for Kestrel inside a worker. It binds nothing: the
/// worker's socket stages already serve the Arbiter's listening sockets, so starting it only hands the host's
/// application to the worker. Addresses the app configured for Kestrel are ignored, and the log says so.
/// </summary>
internal sealed class AkkaGunicornServer : IServer
{
    private readonly ServerBridge _bridge;
    private readonly ILogger _logger;
    private readonly IConfiguration? _configuration;
    private readonly KestrelServerOptions? _kestrel;
    private readonly ServerAddresses _addresses = new();

    public AkkaGunicornServer(ServerBridge bridge, ILoggerFactory loggers, IConfiguration? configuration, KestrelServerOptions? kestrel)
    {
        _bridge = bridge;
        _logger = loggers.CreateLogger("AkkaGunicorn.AspNetCore.Server");
        _configuration = configuration;
        _kestrel = kestrel;
        Features.Set<IServerAddressesFeature>(_addresses);
    }

    /// <inheritdoc />
    public IFeatureCollection Features { get; } = new FeatureCollection();

    /// <inheritdoc />
    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull
    {
        ReportIgnoredAddresses();
        _addresses.Addresses.Clear();
        foreach (var url in _bridge.Urls) _addresses.Addresses.Add(url);
        var settings = _kestrel is { } kestrel
            ? new ExchangeSettings(kestrel.AllowSynchronousIO, kestrel.Limits.MaxRequestBodySize)
            : ExchangeSettings.Default;
        _bridge.OnServerStarted(new AspNetCoreApp<TContext>(application, settings, _logger));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => _bridge.StopServing(cancellationToken);

    /// <inheritdoc />
    public void Dispose() { }

    private void ReportIgnoredAddresses()
    {
        var ignored = new List<string>(_addresses.Addresses);
        if (_configuration?.GetSection("Kestrel:Endpoints") is { } endpoints)
        {
            foreach (var endpoint in endpoints.GetChildren())
                if (endpoint["Url"] is { Length: > 0 } url) ignored.Add($"{url} (Kestrel:Endpoints:{endpoint.Key})");
        }
        if (ignored.Count == 0) return;
        _logger.LogWarning("AkkaGunicorn serves this app on its own bind ({Bind}); ignoring the address(es) configured for Kestrel: {Ignored}",
            string.Join(", ", _bridge.Urls), string.Join(", ", ignored));
    }
}
