using Akka.Streams;
using Akka.Streams.Stage;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Http.Writing;

namespace AkkaGunicorn.Http.Stages;

/// <summary>
/// <see cref="ResponsePart"/>s in, bytes for the socket out. It frames bodies as the head said
/// (Content-Length, chunked or until close) and completes after a response that closes the connection.
/// Its output buffer is reused: the socket sink pulls again only after it has sent the last one.
/// </summary>
public sealed class ResponseWriterStage(string serverHeader) : GraphStage<FlowShape<ResponsePart, ReadOnlyMemory<byte>>>
{
    private readonly Inlet<ResponsePart> _in = new("ResponseWriter.in");
    private readonly Outlet<ReadOnlyMemory<byte>> _out = new("ResponseWriter.out");

    internal readonly string ServerHeader = serverHeader;

    /// <inheritdoc />
    public override FlowShape<ResponsePart, ReadOnlyMemory<byte>> Shape => new(_in, _out);

    /// <inheritdoc />
    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) =>
        new Logic(this, inheritedAttributes.GetAttribute<ConnectionScope>(null!));

    private sealed class Logic : InAndOutGraphStageLogic
    {
        private readonly ResponseWriterStage _stage;
        private readonly ResponseRenderer _renderer;
        private readonly ConnectionScope? _scope;
        private ResponseFraming _framing;
        private bool _closeAfter;
        private ReadOnlyMemory<byte> _pendingBody;
        private bool _pendingComplete;

        public Logic(ResponseWriterStage stage, ConnectionScope? scope) : base(stage.Shape)
        {
            _stage = stage;
            _scope = scope;
            _renderer = new ResponseRenderer(stage.ServerHeader);
            SetHandler(stage._in, this);
            SetHandler(stage._out, this);
        }

        public override void PostStop()
        {
            // What the renderer rendered last may still be on its way out: its buffer goes back to the pool once the
            // transport has sent everything. Without a connection scope, or on an aborted connection (a send may
            // still be reading it), the collector takes it.
            _scope?.ReleaseAfterLastSend(_renderer.Release);
        }

        public override void OnPull()
        {
            if (!_pendingBody.IsEmpty)
            {
                var body = _pendingBody;
                _pendingBody = default;
                Push(_stage._out, body);
                if (_pendingComplete) CompleteStage();
                return;
            }
            if (_pendingComplete) { CompleteStage(); return; }
            if (!HasBeenPulled(_stage._in)) Pull(_stage._in);
        }

        public override void OnPush()
        {
            _renderer.Clear();
            switch (Grab(_stage._in))
            {
                case ResponseContinue:
                    _renderer.Append(ResponseRenderer.Continue);
                    Emit(default, final: false);
                    break;
                case ResponseStart start:
                    _framing = start.Framing;
                    _closeAfter = start.Close;
                    _renderer.RenderHead(start);
                    Emit(start.Body, start.Final);
                    break;
                case ResponseChunk chunk:
                    Emit(chunk.Data, chunk.Final, chunk.Trailers);
                    break;
            }
        }

        public override void OnUpstreamFinish()
        {
            if (_pendingBody.IsEmpty) CompleteStage();
            else _pendingComplete = true;
        }

        /// <summary>Frames <paramref name="body"/> after whatever the renderer already holds and pushes it.</summary>
        private void Emit(ReadOnlyMemory<byte> body, bool final, IReadOnlyList<KeyValuePair<string, string>>? trailers = null)
        {
            bool chunked = _framing == ResponseFraming.Chunked;
            if (_framing == ResponseFraming.NoBody) body = default;
            ReadOnlyMemory<byte> separate = default;
            if (!body.IsEmpty)
            {
                if (chunked) _renderer.RenderChunkHeader(body.Length);
                if (body.Length <= ResponseRenderer.InlineBodyLimit)
                {
                    _renderer.Append(body.Span);
                    if (chunked) _renderer.Append("\r\n"u8);
                }
                else
                {
                    separate = body;
                }
            }
            if (!separate.IsEmpty)
            {
                // A large body goes out from the app's memory as its own send; the chunk's CRLF follows it.
                var head = _renderer.Rendered;
                if (chunked)
                {
                    var tail = final ? [.. "\r\n"u8, .. LastChunk(trailers)] : "\r\n"u8.ToArray();
                    _pendingBody = Concat(separate, tail);
                }
                else
                {
                    _pendingBody = separate;
                }
                _pendingComplete = final && _closeAfter;
                if (head.IsEmpty) OnPull();
                else Push(_stage._out, head);
                return;
            }
            if (final && chunked)
            {
                if (trailers is { Count: > 0 }) _renderer.RenderLastChunk(trailers);
                else _renderer.Append(ResponseRenderer.LastChunk);
            }
            var rendered = _renderer.Rendered;
            bool complete = final && _closeAfter;
            if (rendered.IsEmpty)
            {
                if (complete) CompleteStage();
                else Pull(_stage._in);
                return;
            }
            Push(_stage._out, rendered);
            if (complete) CompleteStage();
        }

        private static byte[] LastChunk(IReadOnlyList<KeyValuePair<string, string>>? trailers)
        {
            if (trailers is not { Count: > 0 }) return ResponseRenderer.LastChunk.ToArray();
            var renderer = new ResponseRenderer("");
            renderer.RenderLastChunk(trailers);
            var rendered = renderer.Rendered.ToArray();
            renderer.Release();
            return rendered;
        }

        private static ReadOnlyMemory<byte> Concat(ReadOnlyMemory<byte> body, byte[] tail)
        {
            var joined = new byte[body.Length + tail.Length];
            body.Span.CopyTo(joined);
            tail.CopyTo(joined, body.Length);
            return joined;
        }
    }
}
