using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.Stage;
using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Http2.Frames;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Http.Stages;

namespace AkkaGunicorn.Http.Http2;

/// <summary>
/// Chooses a connection's protocol from its first bytes, with the HTTP/1 server joined below it:
/// <code>
///   socket in  ──▶ ┐                ┌──▶ HTTP/1 stages (passed through unchanged)
///                  ProtocolSelector ┤
///   socket out ◀── ┘                └──▶ Http2ConnectionStage (a substream, made only for HTTP/2)
/// </code>
/// HTTP/2 when TLS negotiated <c>h2</c> by ALPN, or when a cleartext connection starts with the client preface (prior
/// knowledge, h2c); HTTP/1 otherwise, decided at the first byte that differs from the preface, so an HTTP/1 request
/// costs one comparison. A connection that turns out to be HTTP/2 ends the HTTP/1 side as if its client had sent nothing.
/// </summary>
/// <param name="app">The app, for HTTP/2 streams.</param>
/// <param name="options">HTTP settings; <see cref="HttpServerOptions.Http2"/> must be set.</param>
/// <param name="state">The worker's shared state.</param>
public sealed class ProtocolSelector(IHttpApp app, HttpServerOptions options, ServerState state)
    : GraphStage<BidiShape<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>, ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>>
{
    internal readonly IHttpApp App = app;
    internal readonly HttpServerOptions Options = options;
    internal readonly ServerState State = state;
    private readonly Inlet<ReadOnlyMemory<byte>> _socketIn = new("Select.socketIn");
    private readonly Outlet<ReadOnlyMemory<byte>> _toHttp1 = new("Select.toHttp1");
    private readonly Inlet<ReadOnlyMemory<byte>> _fromHttp1 = new("Select.fromHttp1");
    private readonly Outlet<ReadOnlyMemory<byte>> _socketOut = new("Select.socketOut");

    /// <inheritdoc />
    public override BidiShape<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>, ReadOnlyMemory<byte>, ReadOnlyMemory<byte>> Shape =>
        new(_socketIn, _toHttp1, _fromHttp1, _socketOut);

    /// <inheritdoc />
    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this, ConnectionScope.Of(inheritedAttributes));

    private enum Choice : byte { Undecided, Http1, Http2 }

    private sealed class Logic : GraphStageLogic
    {
        private readonly ProtocolSelector _stage;
        private readonly ConnectionScope _scope;
        private Choice _choice;
        // Bytes that may be the start of the preface, held until it is clear either way.
        private byte[] _held = [];
        private ReadOnlyMemory<byte> _first;
        // A PROXY protocol preamble read before an HTTP/2 preface (an HTTP/1 connection's goes to the parser with the rest).
        private Parsing.ProxyInfo? _proxy;
        private SubSourceOutlet<ReadOnlyMemory<byte>>? _toH2;
        private SubSinkInlet<ReadOnlyMemory<byte>>? _fromH2;

        public Logic(ProtocolSelector stage, ConnectionScope scope) : base(stage.Shape)
        {
            _stage = stage;
            _scope = scope;
            SetHandler(stage._socketIn, onPush: OnSocketPush, onUpstreamFinish: OnSocketFinish, onUpstreamFailure: FailStage);
            SetHandler(stage._toHttp1, onPull: () =>
            {
                if (_choice == Choice.Http1 && !_first.IsEmpty) PushFirst(stage._toHttp1);
                else if (_choice != Choice.Http2 && !HasBeenPulled(stage._socketIn) && !IsClosed(stage._socketIn)) Pull(stage._socketIn);
            }, onDownstreamFinish: cause =>
            {
                if (_choice != Choice.Http2) CancelStage(cause);
            });
            SetHandler(stage._fromHttp1, onPush: () => Push(stage._socketOut, Grab(stage._fromHttp1)), onUpstreamFinish: () =>
            {
                if (_choice != Choice.Http2) CompleteStage();
            }, onUpstreamFailure: cause =>
            {
                if (_choice != Choice.Http2) FailStage(cause);
            });
            SetHandler(stage._socketOut, onPull: () =>
            {
                if (_choice == Choice.Http2) { if (!_fromH2!.HasBeenPulled && !_fromH2.IsClosed) _fromH2.Pull(); }
                else if (!HasBeenPulled(stage._fromHttp1) && !IsClosed(stage._fromHttp1)) Pull(stage._fromHttp1);
            }, onDownstreamFinish: CancelStage);
        }

        public override void PreStart()
        {
            // With HTTP/2 alone, every connection is HTTP/2.
            if (!_stage.Options.Http2!.AlsoHttp1) StartHttp2();
            else Pull(_stage._socketIn);
        }

        private void OnSocketPush()
        {
            var chunk = Grab(_stage._socketIn);
            switch (_choice)
            {
                case Choice.Http1:
                    Push(_stage._toHttp1, chunk);
                    return;
                case Choice.Http2:
                    _toH2!.Push(chunk);
                    return;
            }
            // Over TLS, ALPN has decided by the time decrypted bytes arrive.
            switch (_scope.Info.Tls?.ApplicationProtocol)
            {
                case "h2":
                    _first = chunk.ToArray();
                    StartHttp2();
                    return;
                case { Length: > 0 }:
                    _choice = Choice.Http1;
                    _first = chunk;
                    if (IsAvailable(_stage._toHttp1)) PushFirst(_stage._toHttp1);
                    return;
            }
            var seen = _held.Length == 0 ? chunk : Concat(_held, chunk.Span);
            switch (Prefaced(seen.Span, out int preamble))
            {
                case null:
                    _held = seen.ToArray();
                    Pull(_stage._socketIn);
                    return;
                case false:
                    // HTTP/1, preamble and all: the parser reads (or refuses) the preamble itself.
                    _choice = Choice.Http1;
                    _first = seen;
                    if (IsAvailable(_stage._toHttp1)) PushFirst(_stage._toHttp1);
                    return;
                case true:
                    _first = seen[preamble..].ToArray();
                    StartHttp2();
                    return;
            }
        }

        /// <summary>
        /// Whether <paramref name="seen"/> starts with HTTP/2's preface (after a PROXY preamble from an allowed peer, with
        /// <c>proxy_protocol</c>; its length in <paramref name="preamble"/>); null while too few bytes have come to tell.
        /// </summary>
        private bool? Prefaced(ReadOnlySpan<byte> seen, out int preamble)
        {
            preamble = 0;
            var options = _stage.Options;
            if (options.ProxyProtocol && _scope.Info.Tls is null)
            {
                switch (Parsing.ProxyProtocolParser.TryParse(seen, out preamble, out var info))
                {
                    case Parsing.ProxyPreamble.NeedMore:
                        return null;
                    case Parsing.ProxyPreamble.Parsed when options.ProxyAllowIps.Allows(_scope.Info.RemoteEndPoint):
                        _proxy = info;
                        break;
                    case Parsing.ProxyPreamble.Parsed or Parsing.ProxyPreamble.Invalid:
                        return false;
                }
            }
            var preface = FrameHeader.ClientPreface;
            var rest = seen[preamble..];
            int compare = Math.Min(rest.Length, preface.Length);
            if (!rest[..compare].SequenceEqual(preface[..compare])) return false;
            return rest.Length < preface.Length ? null : true;
        }

        private static byte[] Concat(byte[] held, ReadOnlySpan<byte> more)
        {
            var joined = new byte[held.Length + more.Length];
            held.CopyTo(joined, 0);
            more.CopyTo(joined.AsSpan(held.Length));
            return joined;
        }

        private void PushFirst(Outlet<ReadOnlyMemory<byte>> outlet)
        {
            var first = _first;
            _first = default;
            _held = [];
            Push(outlet, first);
            // The client may have finished sending while its first bytes waited.
            if (IsClosed(_stage._socketIn)) Complete(outlet);
        }

        private void OnSocketFinish()
        {
            switch (_choice)
            {
                // Bytes still held go first; their push completes the outlet after them.
                case Choice.Http2 when _first.IsEmpty: _toH2!.Complete(); break;
                case not Choice.Undecided when !_first.IsEmpty: break;
                default: Complete(_stage._toHttp1); break;
            }
        }

        /// <summary>Ends the HTTP/1 side and runs an <see cref="Http2ConnectionStage"/> on the connection instead.</summary>
        private void StartHttp2()
        {
            _choice = Choice.Http2;
            Complete(_stage._toHttp1);
            Cancel(_stage._fromHttp1);
            _toH2 = new SubSourceOutlet<ReadOnlyMemory<byte>>(this, "Select.toH2");
            _fromH2 = new SubSinkInlet<ReadOnlyMemory<byte>>(this, "Select.fromH2");
            _toH2.SetHandler(new LambdaOutHandler(onPull: () =>
            {
                if (!_first.IsEmpty)
                {
                    var first = _first;
                    _first = default;
                    _toH2.Push(first);
                    if (IsClosed(_stage._socketIn)) _toH2.Complete();
                }
                else if (!IsClosed(_stage._socketIn) && !HasBeenPulled(_stage._socketIn)) Pull(_stage._socketIn);
                else if (IsClosed(_stage._socketIn)) _toH2.Complete();
            }, onDownstreamFinish: _ =>
            {
                if (!IsClosed(_stage._socketIn)) Cancel(_stage._socketIn);
            }));
            _fromH2.SetHandler(new LambdaInHandler(
                onPush: () => Push(_stage._socketOut, _fromH2.Grab()),
                onUpstreamFinish: CompleteStage,
                onUpstreamFailure: FailStage));
            var s = _stage;
            Source.FromGraph(_toH2.Source)
                .Via(new Http2ConnectionStage(s.App, s.Options, s.State, _scope.Info, _scope.Roster, _proxy))
                .RunWith(_fromH2.Sink, SubFusingMaterializer);
            if (IsAvailable(_stage._socketOut)) _fromH2.Pull();
        }
    }
}
