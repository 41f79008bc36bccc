using Akka.Streams.Dsl;
using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Http2.Frames;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Http.Stages;

namespace AkkaGunicorn.Http.Http2;

public sealed partial class Http2ConnectionStage
{
    private sealed partial class Logic
    {
        /// <summary>
        /// A lane: an <see cref="AppStage"/> materialized as a substream, serving one stream at a time as an HTTP/1
        /// connection serves one request at a time. For the stream it serves it holds the request parts on their way to
        /// the app (the body within the stream's receive window), the response part being framed, and both windows.
        /// </summary>
        private sealed class StreamState
        {
            private readonly Logic _logic;
            private readonly SubSourceOutlet<RequestPart> _toApp;
            private readonly SubSinkInlet<ResponsePart> _fromApp;
            private readonly RequestStart _start;
            private readonly Queue<byte[]> _body = new();
            private readonly int _windowSize;
            private List<KeyValuePair<string, string>>? _trailers;
            // The exchange's progress: head handed to the app, the request's end handed to it, response END_STREAM framed.
            private bool _startSent, _requestDone, _localEnded;
            // Body bytes queued for the app, handed to it but not yet read, and read but not yet credited to the stream.
            private int _queued, _handed, _consumed;
            // min_request_body_rate: how long the app has waited for the body's bytes (ms; the bytes are Received), counting
            // only while it waits (since _waitStarted, 0 when it does not).
            private long _waited, _waitStarted;
            // The response part being framed.
            private ReadOnlyMemory<byte> _pending;
            private bool _pendingFinal;
            private IReadOnlyList<KeyValuePair<string, string>> _pendingTrailers = [];

            public StreamState(Logic logic, int receiveWindow)
            {
                _logic = logic;
                _windowSize = receiveWindow;
                _start = new RequestStart(Request);
                _toApp = new SubSourceOutlet<RequestPart>(logic, "Http2.lane.in");
                _fromApp = new SubSinkInlet<ResponsePart>(logic, "Http2.lane.out");
                _toApp.SetHandler(new LambdaOutHandler(OnAppPull, _ => OnAppInputClosed()));
                _fromApp.SetHandler(new LambdaInHandler(OnAppPush, OnAppFinished, _ => OnAppFinished()));
            }

            /// <summary>The lane's request object, reused from stream to stream.</summary>
            public HttpRequest Request { get; } = new();

            public int Id { get; private set; }
            public bool Active { get; private set; }
            public bool Dead { get; private set; }
            public long SendWindow { get; set; }
            public int ReceiveWindow { get; set; }
            public long Received { get; set; }
            public bool RemoteEnded { get; private set; }

            /// <summary>Bytes received on the connection's window and not yet given back.</summary>
            public int Unread => _queued + _handed;

            public void Start()
            {
                var stage = _logic._stage;
                Source.FromGraph(_toApp.Source)
                    .Via(new AppStage(stage.App, stage.Options, stage.State, _logic._streamInfo, new UpgradeSwitch()))
                    .RunWith(_fromApp.Sink, _logic.SubFusingMaterializer);
                _fromApp.Pull();
            }

            /// <summary>Serves stream <paramref name="id"/>, whose <see cref="Request"/> has been filled.</summary>
            public void Begin(int id, int sendWindow, bool remoteEnded)
            {
                Id = id;
                Active = true;
                SendWindow = sendWindow;
                ReceiveWindow = _windowSize;
                Received = 0;
                RemoteEnded = remoteEnded;
                _trailers = null;
                _startSent = _localEnded = false;
                _requestDone = Request.Framing.Body == Parsing.BodyKind.None;
                _body.Clear();
                _queued = _handed = _consumed = 0;
                _waited = _waitStarted = 0;
                _pending = default;
                if (_toApp.IsAvailable) OnAppPull();
            }

            // ---- Request side ----

            public void OnData(ReadOnlySpan<byte> data, bool end)
            {
                if (_requestDone)
                {
                    _logic.GiveBack(data.Length);
                }
                else if (!data.IsEmpty)
                {
                    _body.Enqueue(data.ToArray());
                    _queued += data.Length;
                }
                if (_waitStarted != 0)
                {
                    _waited += Environment.TickCount64 - _waitStarted;
                    _waitStarted = 0;
                }
                RemoteEnded |= end;
                if (_toApp.IsAvailable) OnAppPull();
            }

            public void OnTrailers(List<(string Name, string Value)> fields)
            {
                _trailers = [];
                foreach (var (name, value) in fields)
                    if (!name.StartsWith(':')) _trailers.Add(new(name, value));
                RemoteEnded = true;
                if (_toApp.IsAvailable) OnAppPull();
            }

            private void OnAppPull()
            {
                if (!Active) return;
                if (!_startSent)
                {
                    _startSent = true;
                    _toApp.Push(_start);
                    return;
                }
                // The app has read what it was handed last.
                if (_handed > 0) Credit(_handed);
                _handed = 0;
                if (_requestDone)
                {
                    // Asked for the next request: this stream's exchange is over, the app has returned.
                    if (_localEnded) Finish();
                    return;
                }
                if (_body.TryDequeue(out var chunk))
                {
                    _queued -= chunk.Length;
                    _handed = chunk.Length;
                    _toApp.Push(new RequestBodyChunk(chunk));
                }
                else if (!RemoteEnded && !_localEnded)
                {
                    // The app waits for the client: the time counts against min_request_body_rate.
                    _waitStarted = Environment.TickCount64;
                }
                else
                {
                    // The whole body; or the response is complete and the app stage discards the rest, which the client
                    // is told not to send (RST_STREAM NO_ERROR, RFC 9113 §8.1).
                    if (!RemoteEnded) _logic.ResetStream(Id, Http2ErrorCode.NoError, keepLane: true);
                    _requestDone = true;
                    _toApp.Push(_trailers is null ? RequestBodyEnd.NoTrailers : new RequestBodyEnd(_trailers));
                }
            }

            /// <summary>
            /// Whether the client sends the body slower than <c>min_request_body_rate</c> while the app waits for it,
            /// after <c>data_rate_grace</c> (as the HTTP/1 parser judges a body).
            /// </summary>
            public bool TooSlow(long now, HttpServerOptions options)
            {
                if (!Active || _waitStarted == 0 || options.MinRequestBodyRate <= 0) return false;
                long waited = _waited + now - _waitStarted;
                return waited > (long)options.DataRateGrace.TotalMilliseconds && Received * 1000 < (long)options.MinRequestBodyRate * waited;
            }

            private void Credit(int bytes)
            {
                _logic.GiveBack(bytes);
                if (RemoteEnded || !Active) return;
                _consumed += bytes;
                if (_consumed < _windowSize / 2) return;
                FrameWriter.WindowUpdate(_logic._output, Id, _consumed);
                ReceiveWindow += _consumed;
                _consumed = 0;
                _logic.Flush();
            }

            private void OnAppInputClosed()
            {
                // The app stage stopped: whatever was queued for it goes back to the connection's window.
                _logic.GiveBack(_queued + _handed);
                _queued = _handed = 0;
                _body.Clear();
            }

            // ---- Response side ----

            private void OnAppPush()
            {
                var output = _logic._output;
                int maxFrame = _logic._peerMaxFrameSize;
                switch (_fromApp.Grab())
                {
                    case ResponseContinue:
                        ResponseHead.Continue(output, _logic._encoder, Id, maxFrame);
                        _fromApp.Pull();
                        _logic.Flush();
                        return;
                    case ResponseStart start:
                        var body = start.Framing == ResponseFraming.NoBody ? default : start.Body;
                        bool ends = start.Final && body.IsEmpty && start.Trailers.Count == 0;
                        ResponseHead.Write(output, _logic._encoder, Id, start, _logic._stage.Options.ServerHeader, ends, maxFrame);
                        if (ends)
                        {
                            Ended();
                            _logic.Flush();
                            return;
                        }
                        Pend(body, start.Final, start.Trailers);
                        break;
                    case ResponseChunk chunk:
                        Pend(chunk.Data, chunk.Final, chunk.Trailers);
                        break;
                }
                _logic.Want(this);
            }

            private void Pend(ReadOnlyMemory<byte> data, bool final, IReadOnlyList<KeyValuePair<string, string>> trailers)
            {
                _pending = data;
                _pendingFinal = final;
                _pendingTrailers = trailers;
            }

            /// <summary>
            /// Frames as much of the pending part as the windows allow; true once the part is all framed (the app's write
            /// is then acknowledged), false while it waits for credit.
            /// </summary>
            public bool WriteSome(long connectionWindow, int maxFrame, out int sent)
            {
                sent = 0;
                var output = _logic._output;
                while (!_pending.IsEmpty)
                {
                    int n = (int)Math.Min(Math.Min(_pending.Length, maxFrame), Math.Min(SendWindow, connectionWindow - sent));
                    if (n <= 0) return false;
                    bool last = n == _pending.Length && _pendingFinal && _pendingTrailers.Count == 0;
                    FrameWriter.Data(output, Id, _pending.Span[..n], last);
                    _pending = _pending[n..];
                    SendWindow -= n;
                    sent += n;
                    if (last)
                    {
                        Ended();
                        return true;
                    }
                }
                if (_pendingFinal)
                {
                    if (_pendingTrailers.Count > 0) ResponseHead.Trailers(output, _logic._encoder, Id, _pendingTrailers, maxFrame);
                    else FrameWriter.Data(output, Id, default, endStream: true);
                    Ended();
                    return true;
                }
                _fromApp.Pull();
                return true;
            }

            /// <summary>END_STREAM is framed: the app's last write is acknowledged.</summary>
            private void Ended()
            {
                _localEnded = true;
                _pending = default;
                if (!_fromApp.IsClosed) _fromApp.Pull();
            }

            /// <summary>The exchange is over on both sides: the stream leaves and the lane is free.</summary>
            private void Finish()
            {
                Active = false;
                _logic.Release(this);
            }

            private void OnAppFinished()
            {
                // The app stage stopped (the worker drains, the app failed mid-response, or the lane was aborted): the lane
                // ends with it.
                Dead = true;
                if (!_toApp.IsClosed) _toApp.Complete();
                if (!Active) return;
                Active = false;
                if (_localEnded)
                {
                    if (!RemoteEnded) _logic.ResetStream(Id, Http2ErrorCode.NoError, keepLane: true);
                    _logic.Remove(this);
                }
                else
                {
                    _logic.ResetStream(Id, Http2ErrorCode.InternalError, keepLane: true);
                }
                _logic.Flush();
            }

            /// <summary>Ends the lane (a reset, or the connection's end): an app still running sees its request aborted.</summary>
            public void Abort()
            {
                Dead = true;
                Active = false;
                if (!_toApp.IsClosed) _toApp.Fail(new IOException($"HTTP/2 stream {Id} was reset."));
                if (!_fromApp.IsClosed) _fromApp.Cancel();
            }
        }
    }
}
