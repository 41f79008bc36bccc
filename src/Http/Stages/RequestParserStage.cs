using System.Runtime.InteropServices;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Stage;
using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Parsing;
using AkkaGunicorn.Http.Server;

namespace AkkaGunicorn.Http.Stages;

/// <summary>
/// Bytes from the socket in, <see cref="RequestPart"/>s out: an optional PROXY preamble, then per request
/// a head, its body chunks and its end. It parses only when pulled, so an app that does not read its body
/// holds the client back. Input is used in place; only a partial head or chunk line is copied aside.
/// It closes the connection (completes) when idle past the keep-alive timeout, after a request that does not
/// keep the connection alive, and after a refusal; it refuses with 408 a head not whole within the request-header
/// timeout and a body slower than the minimum rate. It keeps the connection's phase on its host's roster, which may
/// close it while it waits for a request. After a request that may switch protocols it parses nothing until
/// the app has answered: if the app upgraded the connection, every further byte is the new protocol's, and goes to the
/// app as body chunks until the client closes.
/// </summary>
/// <param name="options">HTTP settings.</param>
/// <param name="state">The worker's shared state.</param>
/// <param name="connection">The connection, or null to take it from the graph's <see cref="ConnectionScope"/>.</param>
/// <param name="upgrade">Shared with the app stage, or null to take it from the graph's <see cref="ConnectionScope"/>.</param>
public sealed class RequestParserStage(HttpServerOptions options, ServerState state, ConnectionInfo? connection = null, UpgradeSwitch? upgrade = null)
    : GraphStage<FlowShape<ReadOnlyMemory<byte>, RequestPart>>
{
    internal readonly HttpServerOptions Options = options;
    internal readonly ServerState State = state;
    private readonly Inlet<ReadOnlyMemory<byte>> _in = new("RequestParser.in");
    private readonly Outlet<RequestPart> _out = new("RequestParser.out");

    /// <inheritdoc />
    public override FlowShape<ReadOnlyMemory<byte>, RequestPart> Shape => new(_in, _out);

    /// <inheritdoc />
    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes)
    {
        if (connection is not null && upgrade is not null) return new Logic(this, connection, upgrade, new ConnectionRoster());
        var scope = ConnectionScope.Of(inheritedAttributes);
        return new Logic(this, connection ?? scope.Info, upgrade ?? scope.Upgrade, scope.Roster);
    }

    private enum Mode : byte { Preamble, Head, LengthBody, ChunkedBody, MessageEnd, UpgradeAnswer, Upgraded, Done }

    private sealed class Logic : TimerGraphStageLogic, IInHandler, IOutHandler
    {
        /// <inheritdoc />
        protected override object LogSource => StageLogSource.Of(this);

        private const string DeadlineTimer = "deadline";
        private readonly RequestParserStage _stage;
        private readonly ConnectionInfo _connection;
        private readonly UpgradeSwitch _upgrade;
        private readonly ConnectionRoster _roster;
        private ConnectionRoster.Member? _member;
        private readonly HttpHeadParser _parser;
        private readonly ChunkedDecoder _chunked;
        private readonly RequestHeadBuilder _builder;
        private readonly RequestStart _start;
        private readonly HttpRequest _request = new();
        private byte[] _spare = [];
        private ReadOnlyMemory<byte> _input;
        private Mode _mode;
        private long _remaining;
        private bool _keepAlive, _upstreamDone, _sawRequest;
        // When the connection began waiting for a head (accepted, or answered), and when the head's first byte came (0: none yet).
        private long _waitingSince, _headStarted;
        // The body's bytes so far, and the time spent waiting for them (only while the app wants more).
        private long _bodyBytes, _bodyWaited, _bodyWaitStarted;
        private ProxyInfo? _proxy;
        // Whether the peer (after a PROXY preamble, the client it names) is a trusted front-end proxy.
        private bool _trusted;

        public Logic(RequestParserStage stage, ConnectionInfo connection, UpgradeSwitch upgrade, ConnectionRoster roster) : base(stage.Shape)
        {
            _stage = stage;
            _connection = connection;
            _upgrade = upgrade;
            _roster = roster;
            _parser = new HttpHeadParser(stage.Options.Parser);
            _chunked = new ChunkedDecoder(stage.Options.Parser);
            _builder = new RequestHeadBuilder(stage.Options.Parser.CasefoldHttpMethod);
            _start = new RequestStart(_request);
            _mode = stage.Options.ProxyProtocol ? Mode.Preamble : Mode.Head;
            Trust(connection.RemoteEndPoint);
            SetHandler(stage._in, this);
            SetHandler(stage._out, this);
        }

        public void OnPush()
        {
            var segment = Grab(_stage._in);
            switch (_mode)
            {
                case Mode.Head or Mode.Preamble when _headStarted == 0:
                    _headStarted = Environment.TickCount64;
                    _roster.Move(_member!, ConnectionPhase.ReadingHead);
                    break;
                case Mode.LengthBody or Mode.ChunkedBody:
                    _bodyBytes += segment.Length;
                    if (_bodyWaitStarted != 0) _bodyWaited += Environment.TickCount64 - _bodyWaitStarted;
                    _bodyWaitStarted = 0;
                    break;
            }
            if (_input.IsEmpty)
            {
                _input = segment;
            }
            else
            {
                // A partial head or chunk line is waiting in the spare buffer: append to it.
                int need = _input.Length + segment.Length;
                if (!MemoryMarshal.TryGetArray(_input, out var held) || held.Array != _spare || _spare.Length < need)
                {
                    var grown = GC.AllocateUninitializedArray<byte>(Math.Max(need, _spare.Length * 2));
                    _input.Span.CopyTo(grown);
                    _spare = grown;
                }
                else if (held.Offset > 0)
                {
                    _input.Span.CopyTo(_spare);
                }
                segment.Span.CopyTo(_spare.AsSpan(_input.Length));
                _input = _spare.AsMemory(0, need);
            }
            Produce();
        }

        public void OnUpstreamFinish()
        {
            _upstreamDone = true;
            if (IsAvailable(_stage._out)) Produce();
        }

        public void OnUpstreamFailure(Exception e) => FailStage(e);

        public void OnPull() => Produce();

        public void OnDownstreamFinish(Exception cause) => CompleteStage();

        public override void PreStart()
        {
            // One periodic check per connection rather than a timer per request: scheduling and cancelling
            // a timer for every keep-alive wait costs more than parsing the request.
            var options = _stage.Options;
            var tick = TimeSpan.FromTicks(Math.Clamp(Math.Min(options.KeepAlive.Ticks, options.RequestHeaderTimeout.Ticks) / 4,
                TimeSpan.FromMilliseconds(25).Ticks, TimeSpan.FromSeconds(1).Ticks));
            ScheduleRepeatedly(DeadlineTimer, tick);
            _waitingSince = Environment.TickCount64;
            _member = _roster.Join(GetAsyncCallback(OnEvicted));
        }

        public override void PostStop()
        {
            if (_member is not null) _roster.Leave(_member);
        }

        /// <summary>The host needs room: close, unless a request began meanwhile.</summary>
        private void OnEvicted()
        {
            if (_member!.Phase is ConnectionPhase.InRequest or ConnectionPhase.Upgraded)
            {
                _roster.Spare(_member);
                return;
            }
            _stage.State.Expired(ConnectionExpiry.Evicted);
            CompleteStage();
        }

        /// <summary>
        /// Enforces the deadlines of a connection waiting on its client. Idle, it closes after the keep-alive time
        /// (between requests, or while the server drains) or the request-header timeout (before its first request). A
        /// draining server does not close idle connections at once: a busy client sends its next request within the
        /// keep-alive time, gets it answered with Connection: close, and so never sees its connection dropped between
        /// requests. Bytes already waiting in the kernel make a connection busy, not idle. A head under way must be whole
        /// within the request-header timeout of its first byte, however it trickles; a body must keep up the minimum
        /// rate, counted only while the app waits for it. Nothing is checked while the app works.
        /// </summary>
        protected override void OnTimer(object timerKey)
        {
            if (!HasBeenPulled(_stage._in)) return;
            var options = _stage.Options;
            long now = Environment.TickCount64;
            switch (_mode)
            {
                case Mode.Head or Mode.Preamble when _input.IsEmpty && _headStarted == 0:
                    var limit = _sawRequest || _stage.State.IsDraining ? options.KeepAlive : options.RequestHeaderTimeout;
                    if (now - _waitingSince < (long)limit.TotalMilliseconds || _connection.HasUnreadInput?.Invoke() == true) return;
                    if (!_sawRequest) _stage.State.Expired(ConnectionExpiry.HeaderTimeout);
                    CompleteStage();
                    break;
                case Mode.Head or Mode.Preamble when IsAvailable(_stage._out):
                    long since = _sawRequest && _headStarted != 0 ? _headStarted : _waitingSince;
                    if (now - since < (long)options.RequestHeaderTimeout.TotalMilliseconds) return;
                    _stage.State.Expired(ConnectionExpiry.HeaderTimeout);
                    Refuse(HttpParseError.RequestHeaderTimeout, inBody: false);
                    break;
                case Mode.LengthBody or Mode.ChunkedBody when _bodyWaitStarted != 0 && options.MinRequestBodyRate > 0 && IsAvailable(_stage._out):
                    long waited = _bodyWaited + now - _bodyWaitStarted;
                    if (waited <= (long)options.DataRateGrace.TotalMilliseconds || _bodyBytes * 1000 >= options.MinRequestBodyRate * waited) return;
                    _stage.State.Expired(ConnectionExpiry.SlowRequestBody);
                    Refuse(HttpParseError.RequestBodyTooSlow, inBody: true);
                    break;
            }
        }

        /// <summary>Emits at most one element per pull.</summary>
        private void Produce()
        {
            while (IsAvailable(_stage._out))
            {
                switch (_mode)
                {
                    case Mode.Preamble:
                        if (!ReadPreamble()) return;
                        break;
                    case Mode.Head:
                        ReadHead();
                        return;
                    case Mode.LengthBody:
                        ReadLengthBody();
                        return;
                    case Mode.ChunkedBody:
                        if (ReadChunkedBody()) return;
                        break;
                    case Mode.MessageEnd:
                        if (!_keepAlive) { CompleteStage(); return; }
                        _mode = Mode.Head;
                        // Answered: the wait for the next head starts now (a pipelined one may have begun already).
                        _waitingSince = Environment.TickCount64;
                        _headStarted = _input.IsEmpty ? 0 : _waitingSince;
                        _roster.Move(_member!, _input.IsEmpty ? ConnectionPhase.Idle : ConnectionPhase.ReadingHead);
                        break;
                    case Mode.UpgradeAnswer:
                        // Pulled again: the app has answered the upgradable request (or, upgrading, wants its bytes).
                        _mode = _upgrade.Upgraded ? Mode.Upgraded : Mode.MessageEnd;
                        if (_mode == Mode.Upgraded) _roster.Move(_member!, ConnectionPhase.Upgraded);
                        break;
                    case Mode.Upgraded:
                        ReadUpgraded();
                        return;
                    default:
                        return;
                }
            }
        }

        private void Trust(System.Net.EndPoint? peer) => _parser.TrustedForwarder = _trusted = _stage.Options.ForwardedAllowIps.Allows(peer);

        /// <summary>Returns true when it can go on to the head.</summary>
        private bool ReadPreamble()
        {
            if (_input.IsEmpty) { AwaitInput(); return false; }
            if (_connection.Tls is { } tls)
            {
                // Over TLS the preamble came in the clear, before the handshake, which is over once decrypted bytes
                // arrive (not before: a pull can come first).
                _proxy = tls.Proxy;
                if (_proxy?.Source is { } proxied) Trust(proxied);
                _mode = Mode.Head;
                return true;
            }
            switch (ProxyProtocolParser.TryParse(_input.Span, out int consumed, out var info))
            {
                case ProxyPreamble.NeedMore:
                    AwaitInput();
                    return false;
                case ProxyPreamble.Parsed when !_stage.Options.ProxyAllowIps.Allows(_connection.RemoteEndPoint):
                    Refuse(HttpParseError.ForbiddenProxyRequest, inBody: false);
                    return false;
                case ProxyPreamble.Parsed:
                    _proxy = info;
                    _input = _input[consumed..];
                    if (info?.Source is { } source) Trust(source);
                    break;
                case ProxyPreamble.Invalid:
                    Refuse(HttpParseError.InvalidProxyLine, inBody: false);
                    return false;
            }
            _mode = Mode.Head;
            return true;
        }

        private void ReadHead()
        {
            if (_input.IsEmpty) { AwaitInput(); return; }
            _builder.Begin(_request);
            if (!_parser.TryParseHead(_input.Span, _builder, out int consumed, out var framing, out var error))
            {
                if (error == HttpParseError.TlsHandshakeOnPlainPort)
                    Log.Info("TLS handshake on a plain HTTP port from {0}: the client wants https; answered 400", _connection.RemoteEndPoint);
                if (error != HttpParseError.None) Refuse(error, inBody: false);
                else AwaitInput();
                return;
            }
            _builder.Complete();
            _input = _input[consumed..];
            _sawRequest = true;
            _headStarted = 0;
            _bodyBytes = _bodyWaited = _bodyWaitStarted = 0;
            _roster.Move(_member!, ConnectionPhase.InRequest);
            _request.Framing = framing;
            _request.ContentLength = framing.Body == BodyKind.ContentLength ? framing.ContentLength
                : framing.Body == BodyKind.None && _request.Headers.Contains("Content-Length") ? 0 : null;
            _request.RemoteEndPoint = _proxy?.Source ?? _connection.RemoteEndPoint;
            _request.LocalEndPoint = _proxy?.Destination ?? _connection.LocalEndPoint;
            _request.Proxy = _proxy;
            error = ForwardedScheme.Resolve(_request, _stage.Options, _trusted, out var scheme);
            if (error != HttpParseError.None) { Refuse(error, inBody: false); return; }
            ForwardedPath.Resolve(_request, _stage.Options, _trusted);
            _request.Tls = _connection.Tls;
            _request.Scheme = _connection.Tls is null ? scheme : "https";
            _keepAlive = framing.KeepAlive;
            switch (framing.Body)
            {
                case BodyKind.ContentLength:
                    _remaining = framing.ContentLength;
                    _mode = Mode.LengthBody;
                    break;
                case BodyKind.Chunked:
                    _chunked.Reset();
                    _mode = Mode.ChunkedBody;
                    break;
                default:
                    _mode = framing.Upgradable ? Mode.UpgradeAnswer : Mode.MessageEnd;
                    break;
            }
            Push(_stage._out, _start);
        }

        /// <summary>The new protocol's bytes, passed on as they come; the client's close ends them.</summary>
        private void ReadUpgraded()
        {
            if (!_input.IsEmpty)
            {
                var chunk = _input;
                _input = default;
                Push(_stage._out, new RequestBodyChunk(chunk));
                return;
            }
            if (_upstreamDone)
            {
                _mode = Mode.Done;
                Push(_stage._out, RequestBodyEnd.NoTrailers);
                CompleteStage();
                return;
            }
            if (!HasBeenPulled(_stage._in)) Pull(_stage._in);
        }

        private void ReadLengthBody()
        {
            if (_remaining == 0)
            {
                _mode = Mode.MessageEnd;
                Push(_stage._out, RequestBodyEnd.NoTrailers);
                return;
            }
            if (_input.IsEmpty) { AwaitInput(); return; }
            int n = (int)Math.Min(_remaining, _input.Length);
            var chunk = _input[..n];
            _input = _input[n..];
            _remaining -= n;
            Push(_stage._out, new RequestBodyChunk(chunk));
        }

        /// <summary>Returns true when it pushed, refused or is waiting for input.</summary>
        private bool ReadChunkedBody()
        {
            while (true)
            {
                var step = _chunked.Step(_input.Span, out int consumed, out int length, out var error);
                var data = _input[..length];
                _input = _input[consumed..];
                switch (step)
                {
                    case ChunkedStep.Data:
                        Push(_stage._out, new RequestBodyChunk(data));
                        return true;
                    case ChunkedStep.Progress:
                        continue;
                    case ChunkedStep.Done:
                        _mode = Mode.MessageEnd;
                        var trailers = _chunked.Trailers;
                        Push(_stage._out, trailers.Count == 0 ? RequestBodyEnd.NoTrailers : new RequestBodyEnd(trailers));
                        return true;
                    case ChunkedStep.Error:
                        Refuse(error, inBody: true);
                        return true;
                    default:
                        AwaitInput();
                        return true;
                }
            }
        }

        private void Refuse(HttpParseError error, bool inBody)
        {
            _mode = Mode.Done;
            Push(_stage._out, new RequestRefused(error, inBody));
            CompleteStage();
        }

        private void AwaitInput()
        {
            if (_upstreamDone)
            {
                OnEndOfInput();
                return;
            }
            // Keep unparsed bytes: the socket source reuses its buffer for the next read.
            if (!_input.IsEmpty && (!MemoryMarshal.TryGetArray(_input, out var held) || held.Array != _spare || held.Offset != 0))
            {
                if (_spare.Length < _input.Length) _spare = GC.AllocateUninitializedArray<byte>(Math.Max(4096, _input.Length * 2));
                _input.Span.CopyTo(_spare);
                _input = _spare.AsMemory(0, _input.Length);
            }
            if (_mode is Mode.LengthBody or Mode.ChunkedBody && _bodyWaitStarted == 0) _bodyWaitStarted = Environment.TickCount64;
            if (!HasBeenPulled(_stage._in)) Pull(_stage._in);
        }

        private void OnEndOfInput()
        {
            switch (_mode)
            {
                case Mode.LengthBody:
                    Refuse(HttpParseError.UnexpectedEndOfMessage, inBody: true);
                    break;
                case Mode.ChunkedBody:
                    Refuse(_chunked.InTrailers ? HttpParseError.ChunkMissingTerminator : HttpParseError.UnexpectedEndOfMessage, inBody: true);
                    break;
                default:
                    // A partial head at EOF gets no answer (Gunicorn's NoMoreData): there is nobody to read it.
                    CompleteStage();
                    break;
            }
        }
    }
}
