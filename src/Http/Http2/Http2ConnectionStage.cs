using System.Buffers.Binary;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.Stage;
using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Http2.Frames;
using AkkaGunicorn.Http.Http2.Hpack;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Http.Stages;

namespace AkkaGunicorn.Http.Http2;

/// <summary>
/// One HTTP/2 connection (RFC 9113), bytes in and bytes out, after the client's preface has been recognised. Each stream
/// is an exchange run by its own <see cref="AppStage"/>, materialized as a substream of this stage's graph: the request
/// (head, body chunks, trailers) goes down to it, its response parts come back and are framed here. Flow control is
/// backpressure both ways: a stream's receive window is given back only as its app reads the body, and a response part
/// is acknowledged (the app's write completes) only once every byte of it is framed, within the client's windows.
/// </summary>
/// <param name="app">The app.</param>
/// <param name="options">HTTP settings; <see cref="HttpServerOptions.Http2"/> must be set.</param>
/// <param name="state">The worker's shared state (drain signals, counters).</param>
/// <param name="connection">The transport's endpoints.</param>
/// <param name="roster">Where the connection is counted by phase and found when its host must make room.</param>
/// <param name="proxy">What a PROXY protocol preamble before the preface said, on a cleartext connection (over TLS the
/// session carries it), or null.</param>
public sealed partial class Http2ConnectionStage(IHttpApp app, HttpServerOptions options, ServerState state, ConnectionInfo connection,
    ConnectionRoster roster, Parsing.ProxyInfo? proxy = null)
    : GraphStage<FlowShape<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>>
{
    internal readonly IHttpApp App = app;
    internal readonly HttpServerOptions Options = options;
    internal readonly ServerState State = state;
    internal readonly ConnectionInfo Connection = connection;
    internal readonly ConnectionRoster Roster = roster;
    internal readonly Parsing.ProxyInfo? Proxy = proxy ?? connection.Tls?.Proxy;
    private readonly Inlet<ReadOnlyMemory<byte>> _in = new("Http2.in");
    private readonly Outlet<ReadOnlyMemory<byte>> _out = new("Http2.out");

    /// <inheritdoc />
    public override FlowShape<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>> Shape => new(_in, _out);

    /// <inheritdoc />
    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed partial class Logic : TimerGraphStageLogic, IInHandler, IOutHandler
    {
        /// <inheritdoc />
        protected override object LogSource => StageLogSource.Of(this);

        private const string IdleTimer = "idle", RateTimer = "rate";
        // Past this many bytes waiting for the socket, the connection stops reading and framing (a client that sends
        // without reading cannot make it buffer without end).
        private const int OutputHighWater = 256 * 1024;
        // Resets of open streams by the client tolerated per second, beyond a burst: a rapid-reset flood (2023) is
        // answered with GOAWAY ENHANCE_YOUR_CALM.
        private const int ResetBurst = 200;
        private const int ResetsPerSecond = 100;
        // Frames that carry nothing (empty DATA without END_STREAM, empty CONTINUATION) tolerated per connection.
        private const int EmptyFrameLimit = 1000;
        private const int ContinuationLimit = 128;

        private readonly Http2ConnectionStage _stage;
        private readonly Http2Options _h2;
        private readonly HpackDecoder _decoder;
        private readonly HpackEncoder _encoder = new();
        private readonly Dictionary<int, StreamState> _streams = new();
        private readonly List<StreamState> _lanes = new();
        private readonly Stack<StreamState> _freeLanes = new();
        private readonly LinkedList<StreamState> _sending = new();
        private readonly List<(string, string)> _fields = new();
        private readonly Action<string, string> _onField;
        private readonly bool _trusted;
        // What each stream's app stage is told of the connection: no probe of its own, resets arrive as frames.
        private readonly ConnectionInfo _streamInfo;
        private FrameBuffer _output = new(), _spare = new();
        private byte[] _input = new byte[16 * 1024];
        private int _inputLength;
        private bool _prefaceSeen, _settingsSeen, _closing, _goAwaySent, _inputHeld, _peerGoingAway;
        private int _highestStreamId;
        // What the client may still send on the connection, and what we may send.
        private long _receiveWindow, _sendWindow = 65535;
        private int _connectionCredit;
        // The client's settings.
        private int _peerInitialWindow = 65535, _peerMaxFrameSize = 16384;
        // A header block being assembled from HEADERS and CONTINUATION frames.
        private byte[] _block = new byte[4096];
        private int _blockLength, _blockStream, _blockFragments;
        private bool _blockEndStream;
        private double _resetBudget = ResetBurst;
        private long _resetBudgetAt = Environment.TickCount64;
        private int _emptyFrames;
        private ConnectionRoster.Member? _member;
        private CancellationTokenRegistration _drainRegistration, _goingAwayRegistration;

        public Logic(Http2ConnectionStage stage) : base(stage.Shape)
        {
            _stage = stage;
            _h2 = stage.Options.Http2!;
            _decoder = new HpackDecoder();
            _receiveWindow = _h2.ConnectionWindowSize;
            _onField = (name, value) => _fields.Add((name, value));
            // As the HTTP/1 parser trusts: the client a PROXY preamble names, else the peer.
            _trusted = (stage.Proxy?.Source ?? stage.Connection.RemoteEndPoint) is { } remote && stage.Options.ForwardedAllowIps.Allows(remote);
            _streamInfo = stage.Connection with { IsClientGone = null, HasUnreadInput = null };
            SetHandler(stage._in, this);
            SetHandler(stage._out, this);
        }

        public override void PreStart()
        {
            _member = _stage.Roster.Join(GetAsyncCallback(OnEvicted));
            var onDrain = GetAsyncCallback(OnDraining);
            var onGoingAway = GetAsyncCallback(() => Close(Http2ErrorCode.NoError, "server going away"));
            _drainRegistration = _stage.State.Draining.UnsafeRegister(_ => onDrain(), null);
            _goingAwayRegistration = _stage.State.GoingAway.UnsafeRegister(_ => onGoingAway(), null);
            // The server's preface: its settings, then room for a megabyte of request bodies on the connection.
            FrameWriter.Settings(_output,
            [
                (3, (uint)_h2.MaxConcurrentStreams),
                (4, (uint)_h2.InitialWindowSize),
                (5, (uint)_h2.MaxFrameSize),
                (6, (uint)_h2.MaxHeaderListSize),
            ]);
            if (_h2.ConnectionWindowSize > 65535) FrameWriter.WindowUpdate(_output, 0, _h2.ConnectionWindowSize - 65535);
            ScheduleOnce(IdleTimer, _stage.Options.RequestHeaderTimeout);
            // One periodic check per connection, as the HTTP/1 parser has, rather than a timer per stream.
            if (_stage.Options.MinRequestBodyRate > 0) ScheduleRepeatedly(RateTimer, TimeSpan.FromSeconds(1));
            Pull(_stage._in);
        }

        public override void PostStop()
        {
            _drainRegistration.Dispose();
            _goingAwayRegistration.Dispose();
            if (_member is not null) _stage.Roster.Leave(_member);
            foreach (var lane in _lanes) lane.Abort();
            _streams.Clear();
        }

        // ---- Input ----

        public void OnPush()
        {
            var chunk = Grab(_stage._in);
            if (_inputLength + chunk.Length > _input.Length)
                Array.Resize(ref _input, Math.Max(_input.Length * 2, _inputLength + chunk.Length));
            chunk.Span.CopyTo(_input.AsSpan(_inputLength));
            _inputLength += chunk.Length;
            try
            {
                ReadFrames();
            }
            catch (ConnectionError error)
            {
                Log.Debug("HTTP/2 connection error from {0}: {1} ({2})", _stage.Connection.RemoteEndPoint, error.Message, error.Code);
                Close(error.Code, error.Message);
                return;
            }
            catch (HpackException error)
            {
                Log.Debug("HTTP/2 compression error from {0}: {1}", _stage.Connection.RemoteEndPoint, error.Message);
                Close(Http2ErrorCode.CompressionError, error.Message);
                return;
            }
            Flush();
            PullIfRoom();
        }

        private void PullIfRoom()
        {
            if (_closing || IsClosed(_stage._in) || HasBeenPulled(_stage._in)) return;
            _inputHeld = _output.Length >= OutputHighWater;
            if (!_inputHeld) Pull(_stage._in);
        }

        public void OnUpstreamFinish()
        {
            // The client has finished sending (a half-close): streams it sent whole are answered, those still waiting
            // for body bytes cannot complete and are cancelled, and the connection closes after the last answer.
            _peerGoingAway = true;
            foreach (var (id, stream) in _streams.ToList())
                if (!stream.RemoteEnded) ResetStream(id, Http2ErrorCode.Cancel);
            if (!CloseIfDone()) Flush();
        }

        public void OnUpstreamFailure(Exception e) => FailStage(e);

        private void ReadFrames()
        {
            int offset = 0;
            if (!_prefaceSeen)
            {
                var preface = FrameHeader.ClientPreface;
                int have = Math.Min(_inputLength, preface.Length);
                if (!_input.AsSpan(0, have).SequenceEqual(preface[..have])) throw new ConnectionError(Http2ErrorCode.ProtocolError, "not an HTTP/2 client preface");
                if (have < preface.Length) return;
                _prefaceSeen = true;
                offset = preface.Length;
            }
            while (!_closing && _inputLength - offset >= FrameHeader.Size)
            {
                var header = FrameHeader.Read(_input.AsSpan(offset));
                if (header.Length > _h2.MaxFrameSize) throw new ConnectionError(Http2ErrorCode.FrameSizeError, $"a {header.Type} frame of {header.Length} bytes");
                if (_inputLength - offset - FrameHeader.Size < header.Length) break;
                var payload = _input.AsSpan(offset + FrameHeader.Size, header.Length);
                offset += FrameHeader.Size + header.Length;
                OnFrame(header, payload);
            }
            _input.AsSpan(offset, _inputLength - offset).CopyTo(_input);
            _inputLength -= offset;
        }

        private void OnFrame(FrameHeader header, ReadOnlySpan<byte> payload)
        {
            if (_blockStream != 0 && (header.Type != FrameType.Continuation || header.StreamId != _blockStream))
                throw new ConnectionError(Http2ErrorCode.ProtocolError, "a header block interrupted");
            if (!_settingsSeen)
            {
                // The client's preface ends with a SETTINGS frame (RFC 9113 §3.4).
                if (header.Type != FrameType.Settings || header.Has(FrameFlags.Ack))
                    throw new ConnectionError(Http2ErrorCode.ProtocolError, "the client's preface without SETTINGS");
                _settingsSeen = true;
            }
            switch (header.Type)
            {
                case FrameType.Data: OnData(header, payload); break;
                case FrameType.Headers: OnHeaders(header, payload); break;
                case FrameType.Continuation: OnContinuation(header, payload); break;
                case FrameType.Priority:
                    if (header.StreamId == 0) throw new ConnectionError(Http2ErrorCode.ProtocolError, "PRIORITY on stream 0");
                    if (header.Length != 5) ResetStream(header.StreamId, Http2ErrorCode.FrameSizeError);
                    break;
                case FrameType.RstStream: OnRstStream(header, payload); break;
                case FrameType.Settings: OnSettings(header, payload); break;
                case FrameType.PushPromise: throw new ConnectionError(Http2ErrorCode.ProtocolError, "PUSH_PROMISE from a client");
                case FrameType.Ping:
                    if (header.StreamId != 0) throw new ConnectionError(Http2ErrorCode.ProtocolError, "PING on a stream");
                    if (header.Length != 8) throw new ConnectionError(Http2ErrorCode.FrameSizeError, "PING of the wrong size");
                    if (!header.Has(FrameFlags.Ack)) FrameWriter.PingAck(_output, payload);
                    break;
                case FrameType.GoAway:
                    if (header.StreamId != 0) throw new ConnectionError(Http2ErrorCode.ProtocolError, "GOAWAY on a stream");
                    _peerGoingAway = true;
                    CloseIfDone();
                    break;
                case FrameType.WindowUpdate: OnWindowUpdate(header, payload); break;
                // Unknown frame types are ignored (RFC 9113 §4.1).
            }
        }

        private void OnData(FrameHeader header, ReadOnlySpan<byte> payload)
        {
            if (header.StreamId == 0) throw new ConnectionError(Http2ErrorCode.ProtocolError, "DATA on stream 0");
            var data = Unpad(header, payload);
            _receiveWindow -= header.Length;
            if (_receiveWindow < 0) throw new ConnectionError(Http2ErrorCode.FlowControlError, "DATA beyond the connection's window");
            if (header.StreamId > _highestStreamId) throw new ConnectionError(Http2ErrorCode.ProtocolError, "DATA on an idle stream");
            bool end = header.Has(FrameFlags.EndStream);
            if (data.IsEmpty && !end && ++_emptyFrames > EmptyFrameLimit)
                throw new ConnectionError(Http2ErrorCode.EnhanceYourCalm, "too many empty DATA frames");
            if (!_streams.TryGetValue(header.StreamId, out var stream) || stream.RemoteEnded)
            {
                // A stream already answered or reset: its bytes are dropped, their credit given back.
                GiveBack(header.Length);
                if (stream is not null) ResetStream(stream.Id, Http2ErrorCode.StreamClosed);
                return;
            }
            stream.ReceiveWindow -= header.Length;
            if (stream.ReceiveWindow < 0) { ResetStream(stream.Id, Http2ErrorCode.FlowControlError); GiveBack(header.Length); return; }
            // Padding is credited back at once, to the connection and the stream; the data when the app has read it.
            int padding = header.Length - data.Length;
            if (padding > 0)
            {
                GiveBack(padding);
                if (!end)
                {
                    FrameWriter.WindowUpdate(_output, stream.Id, padding);
                    stream.ReceiveWindow += padding;
                }
            }
            stream.Received += data.Length;
            if (stream.Request.ContentLength is { } declared && (stream.Received > declared || (end && stream.Received != declared)))
            {
                ResetStream(stream.Id, Http2ErrorCode.ProtocolError);
                GiveBack(data.Length);
                return;
            }
            stream.OnData(data, end);
        }

        private static ReadOnlySpan<byte> Unpad(FrameHeader header, ReadOnlySpan<byte> payload)
        {
            if (!header.Has(FrameFlags.Padded)) return payload;
            if (payload.IsEmpty || payload[0] >= payload.Length) throw new ConnectionError(Http2ErrorCode.ProtocolError, "padding longer than the frame");
            return payload.Slice(1, payload.Length - 1 - payload[0]);
        }

        private void OnHeaders(FrameHeader header, ReadOnlySpan<byte> payload)
        {
            if (header.StreamId == 0) throw new ConnectionError(Http2ErrorCode.ProtocolError, "HEADERS on stream 0");
            var fragment = Unpad(header, payload);
            if (header.Has(FrameFlags.Priority))
            {
                if (fragment.Length < 5) throw new ConnectionError(Http2ErrorCode.FrameSizeError, "a HEADERS priority block cut short");
                fragment = fragment[5..];
            }
            _blockLength = 0;
            _blockFragments = 0;
            _blockEndStream = header.Has(FrameFlags.EndStream);
            AppendFragment(fragment);
            if (header.Has(FrameFlags.EndHeaders)) OnHeaderBlock(header.StreamId);
            else _blockStream = header.StreamId;
        }

        private void OnContinuation(FrameHeader header, ReadOnlySpan<byte> payload)
        {
            if (_blockStream == 0 || header.StreamId != _blockStream) throw new ConnectionError(Http2ErrorCode.ProtocolError, "CONTINUATION without HEADERS");
            if (++_blockFragments > ContinuationLimit) throw new ConnectionError(Http2ErrorCode.EnhanceYourCalm, "too many CONTINUATION frames");
            AppendFragment(payload);
            if (!header.Has(FrameFlags.EndHeaders)) return;
            int stream = _blockStream;
            _blockStream = 0;
            OnHeaderBlock(stream);
        }

        private void AppendFragment(ReadOnlySpan<byte> fragment)
        {
            // A header block may be a little larger than the list it decodes to; far larger is a flood (CONTINUATION, 2024).
            if (_blockLength + fragment.Length > 2L * _h2.MaxHeaderListSize + 1024)
                throw new ConnectionError(Http2ErrorCode.EnhanceYourCalm, "a header block beyond http2_max_header_list_size");
            if (_blockLength + fragment.Length > _block.Length) Array.Resize(ref _block, Math.Max(_block.Length * 2, _blockLength + fragment.Length));
            fragment.CopyTo(_block.AsSpan(_blockLength));
            _blockLength += fragment.Length;
        }

        private void OnHeaderBlock(int streamId)
        {
            _fields.Clear();
            // Decoded whatever becomes of the stream: the dynamic table must stay in step with the client's.
            long size = _decoder.Decode(_block.AsSpan(0, _blockLength), _onField);
            bool end = _blockEndStream;
            if (_streams.TryGetValue(streamId, out var existing))
            {
                if (existing.RemoteEnded || !end) { ResetStream(streamId, Http2ErrorCode.ProtocolError); return; }
                existing.OnTrailers(_fields);
                return;
            }
            if (streamId <= _highestStreamId)
            {
                // Trailers of a stream already answered, or a stream reused: nothing to do once decoded.
                if (!end) throw new ConnectionError(Http2ErrorCode.StreamClosed, "HEADERS on a closed stream");
                return;
            }
            if ((streamId & 1) == 0) throw new ConnectionError(Http2ErrorCode.ProtocolError, "an even stream id from a client");
            _highestStreamId = streamId;
            if (_goAwaySent) return;
            if (_streams.Count >= _h2.MaxConcurrentStreams)
            {
                ChargeReset();
                ResetStream(streamId, Http2ErrorCode.RefusedStream);
                return;
            }
            if (size > _h2.MaxHeaderListSize)
            {
                ResponseHead.Bare(_output, _encoder, streamId, 431, _stage.Options.ServerHeader, _peerMaxFrameSize);
                if (!end) ResetStream(streamId, Http2ErrorCode.NoError);
                return;
            }
            var lane = TakeLane();
            if (RequestHeaders.TryBuild(_fields, end, lane.Request) is { } malformed)
            {
                Log.Debug("HTTP/2 malformed request on stream {0} from {1}: {2}", streamId, _stage.Connection.RemoteEndPoint, malformed);
                _freeLanes.Push(lane);
                // A stream the server must reset costs as one the client resets: a flood of them is the same attack.
                ChargeReset();
                ResetStream(streamId, Http2ErrorCode.ProtocolError);
                return;
            }
            if (!Accept(lane.Request, streamId))
            {
                _freeLanes.Push(lane);
                ResetStream(streamId, Http2ErrorCode.ProtocolError);
                return;
            }
            _streams.Add(streamId, lane);
            CancelTimer(IdleTimer);
            _stage.Roster.Move(_member!, ConnectionPhase.InRequest);
            lane.Begin(streamId, _peerInitialWindow, end);
        }

        /// <summary>
        /// A lane for a new stream: one whose app stage finished its last exchange, else a new one. Lanes are reused as
        /// an HTTP/1 connection reuses its stages from request to request: materializing an app stage per stream cost
        /// more than the exchange itself.
        /// </summary>
        private StreamState TakeLane()
        {
            while (_freeLanes.TryPop(out var free))
                if (!free.Dead) return free;
            var lane = new StreamState(this, _h2.InitialWindowSize);
            _lanes.Add(lane);
            lane.Start();
            return lane;
        }

        /// <summary>The lane's exchange is over: its stream leaves the connection and the lane waits for another.</summary>
        private void Release(StreamState lane)
        {
            Remove(lane);
            if (!_closing) _freeLanes.Push(lane);
        }

        /// <summary>What the HTTP/1 parser adds to a request from its connection: endpoints, scheme, mount point.</summary>
        private bool Accept(HttpRequest request, int streamId)
        {
            var info = _stage.Connection;
            request.StreamId = streamId;
            var proxy = _stage.Proxy;
            request.RemoteEndPoint = proxy?.Source ?? info.RemoteEndPoint;
            request.LocalEndPoint = proxy?.Destination ?? info.LocalEndPoint;
            request.Proxy = proxy;
            if (ForwardedScheme.Resolve(request, _stage.Options, _trusted, out var scheme) != Parsing.HttpParseError.None) return false;
            ForwardedPath.Resolve(request, _stage.Options, _trusted);
            request.Tls = info.Tls;
            request.Scheme = info.Tls is null ? scheme : "https";
            return true;
        }

        private void OnRstStream(FrameHeader header, ReadOnlySpan<byte> payload)
        {
            if (header.StreamId == 0) throw new ConnectionError(Http2ErrorCode.ProtocolError, "RST_STREAM on stream 0");
            if (header.Length != 4) throw new ConnectionError(Http2ErrorCode.FrameSizeError, "RST_STREAM of the wrong size");
            if (header.StreamId > _highestStreamId) throw new ConnectionError(Http2ErrorCode.ProtocolError, "RST_STREAM on an idle stream");
            if (!_streams.TryGetValue(header.StreamId, out var stream)) return;
            // A stream the client resets before its response is complete cost the app work it never used.
            ChargeReset();
            Remove(stream);
            stream.Abort();
        }

        private void ChargeReset()
        {
            long now = Environment.TickCount64;
            _resetBudget = Math.Min(ResetBurst, _resetBudget + (now - _resetBudgetAt) * ResetsPerSecond / 1000.0);
            _resetBudgetAt = now;
            if (--_resetBudget < 0) throw new ConnectionError(Http2ErrorCode.EnhanceYourCalm, "too many streams reset or refused");
        }

        private void OnSettings(FrameHeader header, ReadOnlySpan<byte> payload)
        {
            if (header.StreamId != 0) throw new ConnectionError(Http2ErrorCode.ProtocolError, "SETTINGS on a stream");
            if (header.Has(FrameFlags.Ack))
            {
                if (header.Length != 0) throw new ConnectionError(Http2ErrorCode.FrameSizeError, "a SETTINGS ACK with a payload");
                return;
            }
            if (header.Length % 6 != 0) throw new ConnectionError(Http2ErrorCode.FrameSizeError, "SETTINGS of the wrong size");
            for (; !payload.IsEmpty; payload = payload[6..])
            {
                ushort id = BinaryPrimitives.ReadUInt16BigEndian(payload);
                uint value = BinaryPrimitives.ReadUInt32BigEndian(payload[2..]);
                switch (id)
                {
                    case 1:
                        _encoder.PeerTableSizeChanged((int)Math.Min(value, int.MaxValue));
                        break;
                    case 2 when value > 1:
                        throw new ConnectionError(Http2ErrorCode.ProtocolError, "SETTINGS_ENABLE_PUSH other than 0 or 1");
                    case 4:
                        if (value > int.MaxValue) throw new ConnectionError(Http2ErrorCode.FlowControlError, "SETTINGS_INITIAL_WINDOW_SIZE too large");
                        int delta = (int)value - _peerInitialWindow;
                        _peerInitialWindow = (int)value;
                        foreach (var stream in _streams.Values)
                        {
                            stream.SendWindow += delta;
                            if (stream.SendWindow > int.MaxValue) throw new ConnectionError(Http2ErrorCode.FlowControlError, "a stream window beyond 2^31-1");
                        }
                        break;
                    case 5:
                        if (value is < 16384 or > 16777215) throw new ConnectionError(Http2ErrorCode.ProtocolError, "SETTINGS_MAX_FRAME_SIZE out of range");
                        _peerMaxFrameSize = (int)value;
                        break;
                }
            }
            FrameWriter.SettingsAck(_output);
            Pump();
        }

        private void OnWindowUpdate(FrameHeader header, ReadOnlySpan<byte> payload)
        {
            if (header.Length != 4) throw new ConnectionError(Http2ErrorCode.FrameSizeError, "WINDOW_UPDATE of the wrong size");
            int increment = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFF_FFFF);
            if (header.StreamId == 0)
            {
                if (increment == 0) throw new ConnectionError(Http2ErrorCode.ProtocolError, "a WINDOW_UPDATE of 0");
                _sendWindow += increment;
                if (_sendWindow > int.MaxValue) throw new ConnectionError(Http2ErrorCode.FlowControlError, "the connection window beyond 2^31-1");
            }
            else if (_streams.TryGetValue(header.StreamId, out var stream))
            {
                if (increment == 0) { ResetStream(stream.Id, Http2ErrorCode.ProtocolError); return; }
                stream.SendWindow += increment;
                if (stream.SendWindow > int.MaxValue) { ResetStream(stream.Id, Http2ErrorCode.FlowControlError); return; }
            }
            else if (header.StreamId > _highestStreamId)
            {
                throw new ConnectionError(Http2ErrorCode.ProtocolError, "WINDOW_UPDATE on an idle stream");
            }
            Pump();
        }

        /// <summary>Gives <paramref name="bytes"/> of the connection's receive window back, in batches of a quarter window.</summary>
        private void GiveBack(int bytes)
        {
            if (bytes <= 0) return;
            _connectionCredit += bytes;
            if (_connectionCredit < _h2.ConnectionWindowSize / 4) return;
            FrameWriter.WindowUpdate(_output, 0, _connectionCredit);
            _receiveWindow += _connectionCredit;
            _connectionCredit = 0;
        }

        // ---- Output ----

        public void OnPull()
        {
            // The previous buffer has been taken by the socket: it is free to fill again.
            Flush();
            if (_inputHeld) PullIfRoom();
            if (_output.Length == 0) Pump();
            Flush();
            if (_closing && _output.Length == 0 && !IsClosed(_stage._out)) CompleteAfterPush();
        }

        public void OnDownstreamFinish(Exception cause) => CompleteStage();

        /// <summary>Sends what has been framed, if the socket can take it.</summary>
        private void Flush()
        {
            if (_output.Length == 0 || !IsAvailable(_stage._out)) return;
            (_output, _spare) = (_spare, _output);
            _output.Clear();
            Push(_stage._out, _spare.Written);
            if (_closing && _streams.Count == 0) CompleteAfterPush();
        }

        private void CompleteAfterPush()
        {
            // The last push is on its way; completing now lets the sink send it and close.
            Complete(_stage._out);
            if (!IsClosed(_stage._in)) Cancel(_stage._in);
            CompleteStage();
        }

        /// <summary>Frames response data, stream by stream, as the windows and the socket allow.</summary>
        private void Pump()
        {
            var node = _sending.First;
            while (node is not null && _output.Length < OutputHighWater)
            {
                var next = node.Next;
                var stream = node.Value;
                if (stream.WriteSome(_sendWindow, _peerMaxFrameSize, out int sent)) _sending.Remove(node);
                _sendWindow -= sent;
                node = next;
            }
            Flush();
        }

        private void Want(StreamState stream)
        {
            if (!_sending.Contains(stream)) _sending.AddLast(stream);
            Pump();
        }

        // ---- Streams and the connection's end ----

        /// <summary>
        /// Sends RST_STREAM; the stream leaves the connection, and its lane is aborted unless <paramref name="keepLane"/>
        /// (the lane's app stage has finished with it, or finishes on its own).
        /// </summary>
        private void ResetStream(int streamId, Http2ErrorCode error, bool keepLane = false)
        {
            FrameWriter.RstStream(_output, streamId, error);
            if (_streams.TryGetValue(streamId, out var stream))
            {
                Remove(stream);
                if (!keepLane) stream.Abort();
            }
        }

        private void Remove(StreamState stream)
        {
            if (!_streams.TryGetValue(stream.Id, out var current) || current != stream) return;
            _streams.Remove(stream.Id);
            _sending.Remove(stream);
            GiveBack(stream.Unread);
            if (_streams.Count > 0) return;
            _stage.Roster.Move(_member!, ConnectionPhase.Idle);
            if (!CloseIfDone() && _stage.Options.KeepAlive > TimeSpan.Zero) ScheduleOnce(IdleTimer, _stage.Options.KeepAlive);
        }

        /// <summary>The server drains: no new streams; those under way finish, then the connection closes.</summary>
        private void OnDraining()
        {
            if (_goAwaySent) return;
            _goAwaySent = true;
            FrameWriter.GoAway(_output, _highestStreamId, Http2ErrorCode.NoError);
            if (!CloseIfDone()) Flush();
        }

        private bool CloseIfDone()
        {
            if (_streams.Count > 0 || !(_goAwaySent || _peerGoingAway)) return false;
            Close(Http2ErrorCode.NoError, "");
            return true;
        }

        protected override void OnTimer(object timerKey)
        {
            if (timerKey is RateTimer)
            {
                CheckBodyRates();
                return;
            }
            if (_streams.Count == 0) Close(Http2ErrorCode.NoError, _prefaceSeen ? "idle" : "no preface in time");
        }

        /// <summary>Streams whose client trickles a body the app waits for are reset with CANCEL, as a slow HTTP/1 body gets 408.</summary>
        private void CheckBodyRates()
        {
            if (_streams.Count == 0) return;
            long now = Environment.TickCount64;
            List<int>? slow = null;
            foreach (var (id, stream) in _streams)
                if (stream.TooSlow(now, _stage.Options)) (slow ??= []).Add(id);
            if (slow is null) return;
            foreach (int id in slow)
            {
                _stage.State.Expired(ConnectionExpiry.SlowRequestBody);
                ResetStream(id, Http2ErrorCode.Cancel);
            }
            Flush();
        }

        private void OnEvicted()
        {
            if (_streams.Count == 0) Close(Http2ErrorCode.NoError, "room needed");
            else _stage.Roster.Spare(_member!);
        }

        /// <summary>Ends the connection: GOAWAY with <paramref name="error"/>, open streams cancelled, then close once sent.</summary>
        private void Close(Http2ErrorCode error, string debug)
        {
            if (_closing) return;
            if (!_goAwaySent || error != Http2ErrorCode.NoError) FrameWriter.GoAway(_output, _highestStreamId, error, debug);
            _goAwaySent = true;
            _closing = true;
            foreach (var lane in _lanes) lane.Abort();
            _streams.Clear();
            _sending.Clear();
            if (_output.Length == 0) CompleteAfterPush();
            else Flush();
        }
    }
}
