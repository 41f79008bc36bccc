using Akka.Event;
using Akka.Streams;
using Akka.Streams.Stage;
using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Exchanges;
using AkkaGunicorn.Http.Parsing;
using AkkaGunicorn.Http.Server;
using HttpVersion = AkkaGunicorn.Http.Parsing.HttpVersion;

namespace AkkaGunicorn.Http.Stages;

/// <summary>
/// Runs the app for each request, one at a time and in order (so pipelined requests are answered in
/// order). Request parts come in; response parts go out. The app is called inline: an app that finishes
/// synchronously costs no thread hop. Body reads and response writes cross between the app's thread
/// and this stage through an <see cref="AppChannel"/> and complete only when the other side has taken the data.
/// Each exchange moves through the <see cref="ExchangeStatus"/> values in order; <see cref="ResponseFramingRule"/>
/// frames each response, and this stage decides whether the connection stays open.
/// </summary>
/// <param name="app">The app.</param>
/// <param name="options">HTTP settings.</param>
/// <param name="state">The worker's shared state.</param>
/// <param name="connection">The connection, or null to take it from the graph's <see cref="ConnectionScope"/>.</param>
/// <param name="upgrade">Shared with the parser, or null to take it from the graph's <see cref="ConnectionScope"/>.</param>
public sealed class AppStage(IHttpApp app, HttpServerOptions options, ServerState state, ConnectionInfo? connection = null, UpgradeSwitch? upgrade = null)
    : GraphStage<FlowShape<RequestPart, ResponsePart>>
{
    internal readonly IHttpApp App = app;
    internal readonly HttpServerOptions Options = options;
    internal readonly ServerState State = state;
    private readonly Inlet<RequestPart> _in = new("App.in");
    private readonly Outlet<ResponsePart> _out = new("App.out");

    /// <inheritdoc />
    public override FlowShape<RequestPart, ResponsePart> Shape => new(_in, _out);

    /// <inheritdoc />
    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) =>
        connection is null || upgrade is null
            ? new Logic(this, connection ?? ConnectionScope.Of(inheritedAttributes).Info, upgrade ?? ConnectionScope.Of(inheritedAttributes).Upgrade,
                ConnectionScope.Of(inheritedAttributes))
            : new Logic(this, connection, upgrade, null);

    private sealed class Logic : TimerGraphStageLogic, IInHandler, IOutHandler
    {
        /// <inheritdoc />
        protected override object LogSource => StageLogSource.Of(this);

        private const string ProbeTimer = "probe";
        private const string GoingAwayTimer = "going-away";
        private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);

        private readonly AppStage _stage;
        private readonly ConnectionInfo _connection;
        private readonly UpgradeSwitch _upgrade;
        private readonly HttpResponse _response = new();
        private readonly RequestBodyReader _body;
        private readonly RequestBodyStream _bodyStream;
        private readonly ResponseStart _start = new();
        private readonly Queue<(ResponsePart Part, TaskCompletionSource? Ack)> _outbox = new();
        private readonly AppChannel _channel;
        private readonly Action<AppMessage> _post;
        private CancellationTokenRegistration _goingAway;
        private readonly Action<Task> _continueOnCompletion;
        private CancellationTokenSource _aborted = new();
        private TaskCompletionSource? _ack;
        private HttpRequest? _request;
        private readonly ConnectionScope? _scope;
        private ExchangeStatus _status;
        // The request side (body read to its end, 100 Continue sent), the app's task, and the connection's fate.
        private bool _bodyComplete, _continueSent, _appRunning, _close;
        // An exchange the app took part in, until its final part: what the observer logs (a refused request is not one).
        private bool _exchangeOpen;
        private long _drained, _exchangeStarted;
        // The request's activity (RequestTracing), from the app's call until the final response part: null when untraced.
        private System.Diagnostics.Activity? _activity;

        public Logic(AppStage stage, ConnectionInfo connection, UpgradeSwitch upgrade, ConnectionScope? scope) : base(stage.Shape)
        {
            _stage = stage;
            _connection = connection;
            _upgrade = upgrade;
            _scope = scope;
            var post = _post = GetAsyncCallback<AppMessage>(OnAppMessage);
            _body = new RequestBodyReader(() => post(BodyDemanded.Instance));
            _bodyStream = new RequestBodyStream(_body);
            _channel = new AppChannel(post, _bodyStream);
            _continueOnCompletion = t => post(new AppReturned(t));
            SetHandler(stage._in, this);
            SetHandler(stage._out, this);
        }

        public override void PreStart() => Pull(_stage._in);

        public void OnPush()
        {
            var part = Grab(_stage._in);
            switch (_status)
            {
                case ExchangeStatus.Idle:
                    if (part is RequestStart start) StartExchange(start.Request);
                    else if (part is RequestRefused refused) RespondWithError(refused.Error.StatusCode(), refused.Error.ToString(), close: true);
                    break;
                case ExchangeStatus.AppRunning or ExchangeStatus.ResponseStarted:
                    Deliver(part);
                    break;
                case ExchangeStatus.DrainingBody:
                    Drain(part);
                    break;
            }
        }

        public void OnUpstreamFinish()
        {
            switch (_status)
            {
                case ExchangeStatus.Idle:
                    if (_outbox.Count == 0) CompleteStage();
                    else _close = true;
                    break;
                case ExchangeStatus.AppRunning or ExchangeStatus.ResponseStarted:
                    _close = true;
                    if (!_bodyComplete) _body.Fail(new HttpParseException(HttpParseError.UnexpectedEndOfMessage));
                    break;
                default:
                    _close = true;
                    if (_status == ExchangeStatus.DrainingBody) CompleteStage();
                    break;
            }
        }

        public void OnUpstreamFailure(Exception e) => FailStage(e);

        public void OnPull()
        {
            var ack = _ack;
            _ack = null;
            ack?.TrySetResult();
            if (_outbox.TryDequeue(out var next))
            {
                PushPart(next.Part, next.Ack);
                return;
            }
            if (_status == ExchangeStatus.FinalPushed) AfterResponse();
        }

        /// <summary>Whether the response is under way: the app has the request and the final part has not been queued.</summary>
        private bool Responding => _status is ExchangeStatus.AppRunning or ExchangeStatus.ResponseStarted;

        public void OnDownstreamFinish(Exception cause) => CompleteStage();

        public override void PostStop()
        {
            var closed = new IOException("The connection was closed.");
            _channel.Stop(closed);
            _goingAway.Dispose();
            if (_appRunning) _aborted.Cancel();
            _body.Close(closed);
            _scope?.BodyClosed();
            _ack?.TrySetException(closed);
            foreach (var (_, pending) in _outbox) pending?.TrySetException(closed);
            // The connection went before the response did.
            if (_activity is not null) RequestTracing.Stop(_activity, 0);
            _activity = null;
            // A response that closes the connection: the writer took its final part and finished without asking for
            // more, so its buffer may still be on its way out. It goes back to the pool once the sink has sent it;
            // left to the collector, a new connection per request cost a fresh 16 KiB buffer each.
            if (_status == ExchangeStatus.FinalPushed) _scope?.ReleaseAfterLastSend(_response.ReleaseBuffer);
        }

        protected override void OnTimer(object timerKey)
        {
            if (timerKey is GoingAwayTimer)
            {
                // The client had its second to answer the close frame.
                CompleteStage();
                return;
            }
            if (!_appRunning) return;
            if (_connection.IsClientGone?.Invoke() == true) _aborted.Cancel();
            else ScheduleOnce(ProbeTimer, ProbeInterval);
        }

        private void StartExchange(HttpRequest request)
        {
            _request = request;
            _status = ExchangeStatus.AppRunning;
            var framing = request.Framing;
            _bodyComplete = framing.Body == BodyKind.None;
            _body.Reset(_bodyComplete);
            request.Body = _bodyComplete ? Stream.Null : _bodyStream;
            _response.Reset(_channel);
            _continueSent = false;
            _close = !framing.KeepAlive || _stage.State.IsDraining;
            if (!_aborted.TryReset()) _aborted = new CancellationTokenSource();
            _appRunning = true;
            _exchangeStarted = System.Diagnostics.Stopwatch.GetTimestamp();
            _exchangeOpen = true;
            _stage.State.RequestStarted();
            // The request's activity is current while the app is called, so its async work carries it; not after, as
            // this thread goes on to serve other connections.
            var outer = System.Diagnostics.Activity.Current;
            _activity = _stage.Options.Tracing ? RequestTracing.Start(request) : null;
            Task task;
            try
            {
                task = _stage.App.HandleAsync(request, _response, _aborted.Token);
            }
            catch (Exception e)
            {
                task = Task.FromException(e);
            }
            finally
            {
                if (_activity is not null) System.Diagnostics.Activity.Current = outer;
            }
            if (task.IsCompleted)
            {
                OnAppCompleted(task);
            }
            else
            {
                task.ContinueWith(_continueOnCompletion, TaskContinuationOptions.ExecuteSynchronously);
                if (_connection.IsClientGone is not null) ScheduleOnce(ProbeTimer, ProbeInterval);
            }
        }

        private void Deliver(RequestPart part)
        {
            switch (part)
            {
                case RequestBodyChunk chunk:
                    _body.Offer(chunk.Data);
                    break;
                case RequestBodyEnd end:
                    _bodyComplete = true;
                    foreach (var (name, value) in end.Trailers) _request!.Trailers.Add(name, value);
                    _body.End();
                    break;
                case RequestRefused refused:
                    _bodyComplete = true;
                    _close = true;
                    _body.Fail(new HttpParseException(refused.Error));
                    break;
            }
        }

        private void Drain(RequestPart part)
        {
            switch (part)
            {
                case RequestBodyChunk chunk:
                    _drained += chunk.Data.Length;
                    if (_drained > _stage.Options.MaxDrainBytes) CompleteStage();
                    else Pull(_stage._in);
                    break;
                case RequestBodyEnd:
                    _bodyComplete = true;
                    NextRequest();
                    break;
                default:
                    CompleteStage();
                    break;
            }
        }

        private void OnAppMessage(AppMessage message)
        {
            switch (message)
            {
                case SendPart send: OnAppSend(send); break;
                case AppReturned returned: OnAppCompleted(returned.Task); break;
                case BodyDemanded: OnBodyDemanded(); break;
                case CompleteResponse complete: OnAppComplete(complete.Ack); break;
                case SwitchProtocols upgrade: OnAppUpgrade(upgrade.Ack); break;
                case AbortConnection: CompleteStage(); break;
                case ServerGoingAway: OnGoingAway(); break;
            }
        }

        private void OnBodyDemanded()
        {
            if (!Responding || _bodyComplete) return;
            if (_request!.Framing.ExpectContinue && !_continueSent && _status == ExchangeStatus.AppRunning)
            {
                _continueSent = true;
                Emit(ResponseContinue.Instance, null);
            }
            if (IsClosed(_stage._in)) _body.Fail(new HttpParseException(HttpParseError.UnexpectedEndOfMessage));
            else if (!HasBeenPulled(_stage._in)) Pull(_stage._in);
        }

        private void OnAppSend(SendPart send)
        {
            if (!Responding)
            {
                send.Ack.TrySetException(new IOException("The response is already complete."));
                return;
            }
            if (_status == ExchangeStatus.AppRunning)
            {
                if (!TryPrepareStart(send.Data, final: false, out var error))
                {
                    send.Ack.TrySetException(error!);
                    return;
                }
                Emit(_start, send.Ack);
            }
            else
            {
                Emit(new ResponseChunk(send.Data, final: false), send.Ack);
            }
        }

        /// <summary>
        /// The app switches protocols: the 101 head goes out, the connection will close when the new protocol ends, and
        /// from now on the parser passes the client's bytes through as the upgraded stream's input.
        /// </summary>
        private void OnAppUpgrade(TaskCompletionSource ack)
        {
            if (_status != ExchangeStatus.AppRunning || !_request!.Framing.Upgradable)
            {
                ack.TrySetException(new InvalidOperationException(_request?.Framing.Upgradable == true
                    ? "The response has already started; it cannot switch protocols."
                    : "This request does not ask to switch protocols (see HttpRequest.IsUpgradeRequest)."));
                return;
            }
            if (!HeadersAreValid(out var error))
            {
                ack.TrySetException(error!);
                return;
            }
            _close = true;
            _start.Framing = ResponseFraming.Upgraded;
            _start.ContentLength = -1;
            FinishStart(101, _response.ReasonPhrase, _response.Headers, default, final: false);
            _upgrade.Upgraded = true;
            if (WebSocketUpgrade.IsWebSocketRequest(_request)) _goingAway = _stage.State.GoingAway.UnsafeRegister(_ => _post(ServerGoingAway.Instance), null);
            _bodyComplete = false;
            _body.Reset(empty: false);
            Emit(_start, ack);
        }

        /// <summary>
        /// The worker's graceful time is over and this connection is a WebSocket: send the client a close frame, status
        /// 1001 (Going Away), between two of the app's writes (a WebSocket writes each frame whole), then close.
        /// </summary>
        private void OnGoingAway()
        {
            if (!Responding) return;
            Emit(new ResponseChunk(GoingAwayFrame, final: false), null);
            ScheduleOnce(GoingAwayTimer, TimeSpan.FromSeconds(1));
        }

        // FIN + close opcode, unmasked (server to client), payload: status 1001 and a reason.
        private static readonly byte[] GoingAwayFrame = [0x88, 22, 0x03, 0xE9, .. "server shutting down"u8];

        /// <summary>The app ended its response before returning: finish it now, as its return would.</summary>
        private void OnAppComplete(TaskCompletionSource ack)
        {
            if (!Responding)
            {
                ack.TrySetResult();
                return;
            }
            if (TryFinishResponse(ack, out var failure)) return;
            ack.TrySetException(failure!);
            OnAppFailed(failure!);
        }

        private void OnAppCompleted(Task task)
        {
            _appRunning = false;
            _stage.State.RequestFinished();
            if (!Responding)
            {
                // The response ended early (CompleteAsync); the connection waited for the app to return.
                if (_status == ExchangeStatus.AwaitingApp) ContinueAfterResponse();
                return;
            }
            if (_channel.AbortRequested)
            {
                CompleteStage();
                return;
            }
            var failure = task.IsFaulted ? task.Exception!.GetBaseException()
                : task.IsCanceled ? new OperationCanceledException("The app's task was cancelled.") : null;
            if (failure is null && TryFinishResponse(null, out failure)) return;
            OnAppFailed(failure!);
        }

        /// <summary>Pushes the end of a successful response; false with the reason if the app's response is unusable.</summary>
        private bool TryFinishResponse(TaskCompletionSource? ack, out Exception? failure)
        {
            if (_status == ExchangeStatus.AppRunning)
            {
                // Headers that cannot be rendered count as the app's failure.
                if (!TryPrepareStart(_response.Buffered, final: true, out failure)) return false;
                PushFinal(_start, ack);
                return true;
            }
            if (_response.DeclaredContentLength is { } declared && _response.BytesWritten < declared)
            {
                failure = new InvalidOperationException($"The app wrote {_response.BytesWritten} of the {declared} bytes it declared.");
                return false;
            }
            failure = null;
            PushFinal(new ResponseChunk(_response.Buffered, final: true, _response.Trailers.Count == 0 ? null : _response.Trailers), ack);
            return true;
        }

        private void OnAppFailed(Exception failure)
        {
            if (failure is HttpParseException bad)
            {
                if (_status >= ExchangeStatus.ResponseStarted) { FailStage(bad); return; }
                RespondWithError(bad.StatusCode, bad.Reason.ToString(), close: true);
                return;
            }
            Log.Error(failure, "Error handling request {0} {1}", _request!.Method, _request.Target);
            if (_status >= ExchangeStatus.ResponseStarted) FailStage(failure);
            else RespondWithError(500, "The app failed; see the error log.", close: _close);
        }

        /// <summary>Fills the reused head from the app's response; false with the error if its headers are unusable.</summary>
        private bool TryPrepareStart(ReadOnlyMemory<byte> body, bool final, out Exception? error)
        {
            var request = _request!;
            var response = _response;
            if (!HeadersAreValid(out error)) return false;
            int status = response.StatusCode;
            var choice = ResponseFramingRule.Decide(status, request.Method == "HEAD", response.DeclaredContentLength ?? response.ParseDeclaredLength(),
                final, body.Length, response.BytesWritten, request.Version);
            _start.Framing = choice.Framing;
            _start.ContentLength = choice.ContentLength;
            if (!choice.SendsBody) body = default;
            if (choice.Closes) _close = true;
            FinishStart(status, response.ReasonPhrase, response.Headers, body, final);
            return true;
        }

        /// <summary>Whether the app's headers can be rendered; notes a <c>Connection: close</c> among them.</summary>
        private bool HeadersAreValid(out Exception? error)
        {
            error = null;
            foreach (var (name, value) in _response.Headers)
            {
                if (!HttpChars.IsToken(name.AsSpan()) || value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
                {
                    error = new InvalidOperationException($"Invalid response header '{name}'.");
                    return false;
                }
                if (string.Equals(name, "Connection", StringComparison.OrdinalIgnoreCase) &&
                    value.Contains("close", StringComparison.OrdinalIgnoreCase)) _close = true;
            }
            return true;
        }

        private void FinishStart(int status, string? reason, IReadOnlyList<KeyValuePair<string, string>> headers,
            ReadOnlyMemory<byte> body, bool final)
        {
            var request = _request;
            if (final && !_bodyComplete && !_close && !CanDrainRest()) _close = true;
            if (_stage.State.IsDraining) _close = true;
            _start.StatusCode = status;
            _start.ReasonPhrase = reason;
            _start.Headers = headers;
            _start.Body = body;
            _start.Final = final;
            _start.Trailers = final && _response.Trailers.Count > 0 ? _response.Trailers : [];
            _start.Close = _close;
            _start.KeepAliveHeader = !_close && request?.Version == HttpVersion.Http10;
            _status = ExchangeStatus.ResponseStarted;
        }

        /// <summary>Whether the unread rest of the body is small enough to discard and keep the connection.</summary>
        private bool CanDrainRest()
        {
            var framing = _request!.Framing;
            return framing.Body == BodyKind.ContentLength && framing.ContentLength <= _stage.Options.MaxDrainBytes;
        }

        private void RespondWithError(int status, string detail, bool close)
        {
            _close |= close;
            // The failed app's trailers (a gRPC status, say) do not belong to this answer.
            _response.Trailers.Clear();
            var text = System.Text.Encoding.UTF8.GetBytes($"{ReasonPhrases.For(status)}: {detail}\n");
            _start.Framing = _request?.Method == "HEAD" ? ResponseFraming.NoBody : ResponseFraming.ContentLength;
            _start.ContentLength = text.Length;
            FinishStart(status, null, ErrorHeaders, text, final: true);
            PushFinal(_start, null);
        }

        private static readonly KeyValuePair<string, string>[] ErrorHeaders = [new("Content-Type", "text/plain; charset=utf-8")];

        private void PushFinal(ResponsePart part, TaskCompletionSource? ack)
        {
            _status = ExchangeStatus.FinalQueued;
            // Only exchanges the app took part in: a request the parser refused has nothing to log but its error.
            if (_exchangeOpen && _stage.Options.Observer is { } observer)
            {
                long body = part is ResponseChunk ? _response.BytesWritten : _start.Body.Length;
                observer.Completed(new Exchange(_request!, _start.Headers, _start.StatusCode, body,
                    _exchangeStarted, System.Diagnostics.Stopwatch.GetTimestamp(), _connection));
            }
            _exchangeOpen = false;
            if (_activity is not null)
            {
                RequestTracing.Stop(_activity, _start.StatusCode);
                _activity = null;
            }
            Emit(part, ack);
        }

        private void Emit(ResponsePart part, TaskCompletionSource? ack)
        {
            if (IsAvailable(_stage._out) && _outbox.Count == 0) PushPart(part, ack);
            else _outbox.Enqueue((part, ack));
        }

        private void PushPart(ResponsePart part, TaskCompletionSource? ack)
        {
            _ack = ack;
            if (ack is not null) _channel.Taken(ack);
            Push(_stage._out, part);
            // The writer takes the final part on its next pull; only then may the response's buffer be reused.
            if (IsFinal(part)) _status = ExchangeStatus.FinalPushed;
        }

        private static bool IsFinal(ResponsePart part) => part is ResponseStart { Final: true } or ResponseChunk { Final: true };

        /// <summary>The final part has been taken by the writer: the response is on its way.</summary>
        private void AfterResponse()
        {
            // The writer has taken the final part and the socket has sent what came before: nothing refers to the
            // response's buffer any more.
            _response.ReleaseBuffer();
            if (_appRunning)
            {
                // The app ended its response early and is still running: its next request must not overlap it.
                _status = ExchangeStatus.AwaitingApp;
                return;
            }
            ContinueAfterResponse();
        }

        /// <summary>The response is out and the app has returned: close, discard the rest of the body, or read the next request.</summary>
        private void ContinueAfterResponse()
        {
            if (_close) { CompleteStage(); return; }
            if (!_bodyComplete)
            {
                _status = ExchangeStatus.DrainingBody;
                _drained = 0;
                if (IsClosed(_stage._in)) CompleteStage();
                else if (!HasBeenPulled(_stage._in)) Pull(_stage._in);
                return;
            }
            NextRequest();
        }

        private void NextRequest()
        {
            _status = ExchangeStatus.Idle;
            if (IsClosed(_stage._in)) CompleteStage();
            else if (!HasBeenPulled(_stage._in)) Pull(_stage._in);
        }
    }
}
