using System.Diagnostics;
using AkkaGunicorn.AspNetCore.Server;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AkkaGunicorn.AspNetCore.Hosting;

/// <summary>
/// Watches the events every .NET host raises while it is built ("Microsoft.Extensions.Hosting": HostBuilding, then
/// HostBuilt) and changes the app's first host as it is built: AkkaGunicorn's server replaces Kestrel, and the worker's
/// lifetime replaces the console's. Services the app registers are untouched. This is how the test host and the EF
/// tools reach into an unmodified Program; only the first host is ours, as an app has one web host.
/// </summary>
internal sealed class HostInterceptor(ServerBridge bridge) : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private const string HostingListener = "Microsoft.Extensions.Hosting";
    private readonly List<IDisposable> _subscriptions = [];
    private readonly TaskCompletionSource<IHost> _built = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IDisposable? _allListeners;
    private int _claimed;

    /// <summary>Completes with the app's host once it is built.</summary>
    public Task<IHost> Built => _built.Task;

    /// <summary>Starts watching; call before the app's Program runs.</summary>
    public void Attach() => _allListeners = DiagnosticListener.AllListeners.Subscribe(this);

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener listener)
    {
        if (listener.Name != HostingListener) return;
        lock (_subscriptions) _subscriptions.Add(listener.Subscribe(this));
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> e)
    {
        switch (e.Key)
        {
            case "HostBuilding" when e.Value is IHostBuilder builder && Interlocked.Exchange(ref _claimed, 1) == 0:
                builder.ConfigureServices((_, services) => Replace(services));
                break;
            case "HostBuilt" when e.Value is IHost host && _claimed == 1:
                _built.TrySetResult(host);
                break;
        }
    }

    private void Replace(IServiceCollection services)
    {
        // Registered last, so these are what the host resolves; Kestrel's registrations stay but are never built.
        services.AddSingleton<IServer>(provider => new AkkaGunicornServer(bridge,
            provider.GetRequiredService<ILoggerFactory>(),
            provider.GetService<IConfiguration>(),
            provider.GetService<IOptions<KestrelServerOptions>>()?.Value));
        services.AddSingleton<IHostLifetime, WorkerLifetime>();
    }

    void IObserver<DiagnosticListener>.OnCompleted() { }
    void IObserver<DiagnosticListener>.OnError(Exception error) { }
    void IObserver<KeyValuePair<string, object?>>.OnCompleted() { }
    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error) { }

    /// <inheritdoc />
    public void Dispose()
    {
        _allListeners?.Dispose();
        lock (_subscriptions)
        {
            foreach (var subscription in _subscriptions) subscription.Dispose();
            _subscriptions.Clear();
        }
    }
}
