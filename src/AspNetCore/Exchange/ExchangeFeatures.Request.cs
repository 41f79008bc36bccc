using System.Net;
using AkkaGunicorn.Http.App;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using OurRequest = AkkaGunicorn.Http.App.HttpRequest;

namespace AkkaGunicorn.AspNetCore.Exchange;

/// <summary>The request side: what was asked, by whom, on which connection, and its body.</summary>
internal sealed partial class ExchangeFeatures<TContext> :
    IHttpRequestFeature, IHttpRequestBodyDetectionFeature, IHttpConnectionFeature, IHttpRequestLifetimeFeature,
    IHttpRequestIdentifierFeature, IHttpRequestTrailersFeature, IHttpBodyControlFeature, IHttpMaxRequestBodySizeFeature
{
    private static long _lastConnection;

    private readonly HeaderDictionary _requestHeaders = new();
    private readonly HeaderDictionary _requestTrailers = new();
    private readonly RequestStream _requestStream;
    private readonly ExchangeSettings _settings;
    private OurRequest _request = null!;
    private string? _connectionId, _traceIdentifier;
    private long _requestNumber;
    private long? _maxRequestBodySize;

    public ExchangeFeatures(ExchangeSettings settings)
    {
        _settings = settings;
        _requestStream = new RequestStream(this);
        _responseStream = new ResponseStream(this);
        _responsePipe = new ResponsePipe(this);
        _responseTrailers = new HeaderDictionary();
    }

    private void ResetRequest(OurRequest request, CancellationToken aborted)
    {
        _request = request;
        _requestNumber++;
        _traceIdentifier = null;
        Protocol = request.Protocol;
        Scheme = request.Scheme;
        Method = HttpMethods.GetCanonicalizedValue(request.Method);
        RawTarget = request.Target;
        (Path, QueryString) = RequestTarget.Split(request.Target, request.Path, request.Query);
        PathBase = "";
        if (request.PathBase.Length > 0) Mount(RequestTarget.DecodePath(request.PathBase));
        _requestHeaders.Clear();
        HeaderCopy.Into(_requestHeaders, request.Headers);
        _requestTrailers.IsReadOnly = false;
        _requestTrailers.Clear();
        _requestTrailersAvailable = false;
        _requestStream.Reset(request.Body);
        Body = _requestStream;
        RequestAborted = aborted;
        AllowSynchronousIO = _settings.AllowSynchronousIO;
        _maxRequestBodySize = _settings.MaxRequestBodySize;
    }

    /// <summary>
    /// Splits the decoded path at the mount point (root_path or a trusted SCRIPT_NAME), as UsePathBase would. Path here
    /// is the whole decoded path, request.Path only the rest, so the split is made again on decoded text.
    /// </summary>
    private void Mount(string pathBase)
    {
        if (!MountPoint.Covers(pathBase, Path)) return;
        PathBase = pathBase;
        Path = Path[pathBase.Length..];
    }

    // IHttpRequestFeature: settable, as middleware such as UsePathBase and the forwarded-headers middleware rewrite them.
    public string Protocol { get; set; } = "";
    public string Scheme { get; set; } = "";
    public string Method { get; set; } = "";
    public string PathBase { get; set; } = "";
    public string Path { get; set; } = "";
    public string QueryString { get; set; } = "";
    public string RawTarget { get; set; } = "";
    IHeaderDictionary IHttpRequestFeature.Headers { get => _requestHeaders; set => throw new NotSupportedException("The request headers cannot be replaced."); }
    public Stream Body { get; set; } = Stream.Null;

    // IHttpRequestBodyDetectionFeature
    public bool CanHaveBody => !ReferenceEquals(_request.Body, Stream.Null);

    // IHttpConnectionFeature
    public string ConnectionId
    {
        get => _connectionId ??= ConnectionIds.Format(Interlocked.Increment(ref _lastConnection));
        set => _connectionId = value;
    }

    public IPAddress? RemoteIpAddress { get => (_request.RemoteEndPoint as IPEndPoint)?.Address; set => throw ReadOnly(); }
    public IPAddress? LocalIpAddress { get => (_request.LocalEndPoint as IPEndPoint)?.Address; set => throw ReadOnly(); }
    public int RemotePort { get => (_request.RemoteEndPoint as IPEndPoint)?.Port ?? 0; set => throw ReadOnly(); }
    public int LocalPort { get => (_request.LocalEndPoint as IPEndPoint)?.Port ?? 0; set => throw ReadOnly(); }

    private static NotSupportedException ReadOnly() => new("The connection's addresses are the socket's; the forwarded-headers middleware sets its own.");

    // IHttpRequestLifetimeFeature
    public CancellationToken RequestAborted { get; set; }

    public void Abort() => _response.Abort();

    // IHttpRequestIdentifierFeature: Kestrel's shape, connection id and request number.
    public string TraceIdentifier
    {
        get => _traceIdentifier ??= $"{ConnectionId}:{_requestNumber:X8}";
        set => _traceIdentifier = value;
    }

    // IHttpRequestTrailersFeature
    private bool _requestTrailersAvailable;

    public bool Available => _requestTrailersAvailable;

    public IHeaderDictionary Trailers
    {
        get
        {
            if (!_requestTrailersAvailable) throw new InvalidOperationException("The request trailers are not available until the body has been read to its end.");
            return _requestTrailers;
        }
    }

    /// <summary>The body has been read to its end: its trailers are complete.</summary>
    public void OnRequestBodyEnded()
    {
        if (_requestTrailersAvailable) return;
        HeaderCopy.Into(_requestTrailers, _request.Trailers);
        _requestTrailers.IsReadOnly = true;
        _requestTrailersAvailable = true;
    }

    // IHttpBodyControlFeature
    public bool AllowSynchronousIO { get; set; }

    // IHttpMaxRequestBodySizeFeature: Kestrel's rule, fixed once the app has started reading.
    bool IHttpMaxRequestBodySizeFeature.IsReadOnly => _requestStream.HasStarted;

    public long? MaxRequestBodySize
    {
        get => _maxRequestBodySize;
        set
        {
            if (_requestStream.HasStarted) throw new InvalidOperationException("The maximum request body size cannot be changed after the app has started reading the body.");
            if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), value, "The maximum request body size cannot be negative.");
            _maxRequestBodySize = value;
        }
    }

    /// <summary>The Content-Length the client declared, for the body-size check before the first read.</summary>
    public long? DeclaredRequestLength => _request.ContentLength;
}
