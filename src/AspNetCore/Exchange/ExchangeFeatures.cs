using System.Collections;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using OurRequest = AkkaGunicorn.Http.App.HttpRequest;
using OurResponse = AkkaGunicorn.Http.App.HttpResponse;

namespace AkkaGunicorn.AspNetCore.Exchange;

/// <summary>
/// One connection's ASP.NET Core features, reused for each of its requests as Kestrel reuses its own: the object
/// is the feature collection and implements the server's features itself, so a request costs no feature objects;
/// and it holds the host's per-request context, so the host reuses its HttpContext as well.
/// Features the app or middleware set are kept for the one request.
/// </summary>
/// <typeparam name="TContext">The host's per-request context type.</typeparam>
internal sealed partial class ExchangeFeatures<TContext> : IFeatureCollection, IHostContextContainer<TContext>,
    IResponsePipeOwner, IResponseStreamOwner, IRequestStreamOwner where TContext : notnull
{
    /// <summary>The server's own features, in the order looked up most often.</summary>
    private static readonly Type[] OwnTypes =
    [
        typeof(IHttpRequestFeature), typeof(IHttpResponseFeature), typeof(IHttpResponseBodyFeature),
        typeof(IHttpRequestLifetimeFeature), typeof(IHttpConnectionFeature), typeof(IHttpRequestIdentifierFeature),
        typeof(IHttpRequestBodyDetectionFeature), typeof(IHttpBodyControlFeature), typeof(IHttpMaxRequestBodySizeFeature),
        typeof(IHttpRequestTrailersFeature), typeof(IHttpResponseTrailersFeature), typeof(IHttpUpgradeFeature),
        typeof(ITlsConnectionFeature), typeof(ITlsHandshakeFeature), typeof(IHttp2StreamIdFeature),
    ];

    private static readonly int ResponseTrailersSlot = Array.IndexOf(OwnTypes, typeof(IHttpResponseTrailersFeature));
    private static readonly int TlsConnectionSlot = Array.IndexOf(OwnTypes, typeof(ITlsConnectionFeature));
    private static readonly int TlsHandshakeSlot = Array.IndexOf(OwnTypes, typeof(ITlsHandshakeFeature));
    private static readonly int StreamIdSlot = Array.IndexOf(OwnTypes, typeof(IHttp2StreamIdFeature));
    private static readonly int UpgradeSlot = Array.IndexOf(OwnTypes, typeof(IHttpUpgradeFeature));

    private readonly object?[] _own = new object?[OwnTypes.Length];
    private readonly List<KeyValuePair<Type, object>> _set = new(8);
    private TlsFeatures? _tls;
    private int _revision;

    /// <inheritdoc />
    public TContext? HostContext { get; set; }

    /// <inheritdoc />
    public bool IsReadOnly => false;

    /// <inheritdoc />
    public int Revision => _revision;

    /// <inheritdoc />
    public object? this[Type key]
    {
        get
        {
            for (int i = 0; i < OwnTypes.Length; i++)
                if (OwnTypes[i] == key) return _own[i];
            foreach (var (type, feature) in _set)
                if (type == key) return feature;
            return null;
        }
        set
        {
            _revision++;
            for (int i = 0; i < OwnTypes.Length; i++)
            {
                if (OwnTypes[i] != key) continue;
                _own[i] = value;
                return;
            }
            for (int i = 0; i < _set.Count; i++)
            {
                if (_set[i].Key != key) continue;
                if (value is null) _set.RemoveAt(i);
                else _set[i] = new(key, value);
                return;
            }
            if (value is not null) _set.Add(new(key, value));
        }
    }

    /// <inheritdoc />
    public TFeature? Get<TFeature>() => (TFeature?)this[typeof(TFeature)];

    /// <inheritdoc />
    public void Set<TFeature>(TFeature? instance) => this[typeof(TFeature)] = instance;

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<Type, object>> GetEnumerator()
    {
        for (int i = 0; i < OwnTypes.Length; i++)
            if (_own[i] is { } feature) yield return new(OwnTypes[i], feature);
        foreach (var pair in _set) yield return pair;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc cref="IResponseStreamOwner.ThrowUnlessSynchronousIO" />
    public void ThrowUnlessSynchronousIO(string message)
    {
        if (!AllowSynchronousIO) throw new InvalidOperationException(message);
    }

    /// <summary>The connection's TLS features, made once per connection (its session is the same for every request).</summary>
    private TlsFeatures TlsFor(Http.Server.TlsSession session) =>
        _tls is { } known && ReferenceEquals(known.Tls, session) ? known : _tls = new TlsFeatures(session);

    /// <summary>Readies the features for the connection's next request.</summary>
    public void Reset(OurRequest request, OurResponse response, CancellationToken aborted)
    {
        _revision++;
        for (int i = 0; i < _own.Length; i++) _own[i] = this;
        // Trailers travel with chunked HTTP/1.1 bodies and HTTP/2 streams; Kestrel offers neither feature on HTTP/1.0.
        if (request.Version < Http.Parsing.HttpVersion.Http11) _own[ResponseTrailersSlot] = null;
        _own[TlsConnectionSlot] = _own[TlsHandshakeSlot] = request.Tls is { } session ? TlsFor(session) : null;
        // As on Kestrel: a stream id over HTTP/2, upgrades over HTTP/1.1 only.
        if (request.StreamId == 0) _own[StreamIdSlot] = null;
        else _own[UpgradeSlot] = null;
        _set.Clear();
        ResetRequest(request, aborted);
        ResetResponse(response);
    }
}
