using Akka.Streams.Dsl;
using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Http2.Frames;
using AkkaGunicorn.Http.Stages;

namespace AkkaGunicorn.Http.Http2;

public sealed partial class Http2ConnectionStage
{
    private sealed partial class Logic
    {
        /// <summary>
        /// One stream: its request parts on their way to its app stage (a substream), its response parts on their way
        /// into frames, and both windows.
        /// </summary>
        private sealed class StreamState
        {
            private readonly Logic _logic;
            private readonly SubSourceOutlet<RequestPart> _toApp;
            private readonly SubSinkInlet<ResponsePart> _fromApp;
            private readonly Queue<byte[]> _body = new();
            private readonly int _windowSize;
            private List<KeyValuePair<string, string>>? _trailers;
            private bool _startSent, _appInputClosed, _localEnded;
            // Body bytes queued for the app, handed to it but not yet read, and read but not yet credited to the stream.
            private int _queued, _handed, _consumed;
            // The response part being framed.
            private ReadOnlyMemory<byte> _pending;
            private bool _pendingFinal;
            private IReadOnlyList<KeyValuePair<string, string>> _pendingTrailers = [];

            public StreamState(Logic logic, int id, HttpRequest request, int receiveWindow, int sendWindow, bool remoteEnded)
            {
                _logic = logic;
                Id = id;
                Request = request;
                ReceiveWindow = _windowSize = receiveWindow;
                SendWindow = sendWindow;
                RemoteEnded = remoteEnded;
                _toApp = new SubSourceOutlet<RequestPart>(logic, $"Http2.stream{id}.in");
                _fromApp = new SubSinkInlet<ResponsePart>(logic, $"Http2.stream{id}.out");
                _toApp.SetHandler(new LambdaOutHandler(OnAppPull, _ => OnAppInputClosed()));
                _fromApp.SetHandler(new LambdaInHandler(OnAppPush, OnAppFinished, OnAppFailed));
            }

            public int Id { get; }
            public HttpRequest Request { get; }
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

            // ---- Request side ----

            public void OnData(ReadOnlySpan<byte> data, bool end)
            {
                if (_appInputClosed)
                {
                    _logic.GiveBack(data.Length);
                }
                else if (!data.IsEmpty)
                {
                    _body.Enqueue(data.ToArray());
                    _queued += data.Length;
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
                if (!_startSent)
                {
                    _startSent = true;
                    _toApp.Push(new RequestStart(Request));
                    return;
                }
                // The app has read what it was handed last.
                if (_handed > 0) Credit(_handed);
                _handed = 0;
                if (_body.TryDequeue(out var chunk))
                {
                    _queued -= chunk.Length;
                    _handed = chunk.Length;
                    _toApp.Push(new RequestBodyChunk(chunk));
                }
                else if (RemoteEnded && !_toApp.IsClosed)
                {
                    _toApp.Push(_trailers is null ? RequestBodyEnd.NoTrailers : new RequestBodyEnd(_trailers));
                    _toApp.Complete();
                }
            }

            private void Credit(int bytes)
            {
                _logic.GiveBack(bytes);
                if (RemoteEnded) return;
                _consumed += bytes;
                if (_consumed < _windowSize / 2) return;
                FrameWriter.WindowUpdate(_logic._output, Id, _consumed);
                ReceiveWindow += _consumed;
                _consumed = 0;
                _logic.Flush();
            }

            private void OnAppInputClosed()
            {
                // The app stage is done with the request (it answered without reading the whole body).
                _appInputClosed = true;
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

            /// <summary>END_STREAM is framed: the app's last write is acknowledged, and the stream closes with its app stage.</summary>
            private void Ended()
            {
                _localEnded = true;
                _pending = default;
                if (!_fromApp.IsClosed) _fromApp.Pull();
            }

            private void OnAppFinished()
            {
                if (!_localEnded)
                {
                    // The app stage stopped without a whole response (the connection went, or the app failed mid-way).
                    _logic.ResetStream(Id, Http2ErrorCode.InternalError);
                    return;
                }
                // Answered before the client finished sending: it may stop (RFC 9113 §8.1).
                if (!RemoteEnded) FrameWriter.RstStream(_logic._output, Id, Http2ErrorCode.NoError);
                _logic.Remove(this);
                Abort();
                _logic.Flush();
            }

            private void OnAppFailed(Exception cause) => _logic.ResetStream(Id, Http2ErrorCode.InternalError);

            /// <summary>Ends both substreams (a reset, or the connection's end): the app sees its request aborted.</summary>
            public void Abort()
            {
                if (!_toApp.IsClosed) _toApp.Fail(new IOException($"HTTP/2 stream {Id} was reset."));
                if (!_fromApp.IsClosed) _fromApp.Cancel();
            }
        }
    }
}
