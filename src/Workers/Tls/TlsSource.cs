using System.Net.Security;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Stage;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Http.Stages;

namespace AkkaGunicorn.Workers.Tls;

/// <summary>
/// Decrypted bytes from a TLS connection. It runs the server's side of the handshake first, after a PROXY preamble where
/// one is allowed (both under the handshake's deadline; a failed one costs a debug line and the connection, never
/// more), records the session, then reads one record's worth
/// per pull into a buffer it reuses, as the plain socket source does. Completes at the end of the stream, on a
/// failed handshake, and on any read error (to HTTP, a reset and an end are the same).
/// </summary>
/// <param name="proxyAllowed">With <c>proxy_protocol</c>, who may send a PROXY preamble before the handshake; else null.</param>
public sealed class TlsSource(IpAllowList? proxyAllowed = null) : GraphStage<SourceShape<ReadOnlyMemory<byte>>>
{
    private readonly IpAllowList? _proxyAllowed = proxyAllowed;
    private const int BufferSize = 16 * 1024;
    private readonly Outlet<ReadOnlyMemory<byte>> _out = new("TlsSource.out");

    /// <inheritdoc />
    public override SourceShape<ReadOnlyMemory<byte>> Shape => new(_out);

    /// <inheritdoc />
    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) =>
        new Logic(this, (TlsTransport)ConnectionScope.Of(inheritedAttributes).Transport!);

    private sealed class Logic : OutGraphStageLogic
    {
        /// <inheritdoc />
        protected override object LogSource => StageLogSource.Of(this);

        private readonly TlsSource _stage;
        private readonly TlsTransport _transport;
        private readonly Action<Task> _onHandshake;
        private readonly Action<Task<int>> _onRead;
        // A TLS record is at most 16 KiB: one read never needs more.
        private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(BufferSize);
        private bool _established;

        public Logic(TlsSource stage, TlsTransport transport) : base(stage.Shape)
        {
            _stage = stage;
            _transport = transport;
            _onHandshake = GetAsyncCallback<Task>(OnHandshake);
            _onRead = GetAsyncCallback<Task<int>>(OnRead);
            SetHandler(stage._out, this);
        }

        public override void PreStart()
        {
            Task handshake;
            try
            {
                // One deadline for the PROXY preamble (if any) and the handshake: both are the client's opening.
                var deadline = new CancellationTokenSource(_transport.Tls.HandshakeTimeout);
                handshake = _stage._proxyAllowed is { } allowed ? AfterPreambleAsync(allowed, deadline.Token) : Handshake(deadline.Token);
                handshake.ContinueWith(_ => deadline.Dispose(), TaskContinuationOptions.ExecuteSynchronously);
            }
            catch (Exception e)
            {
                handshake = Task.FromException(e);
            }
            if (handshake.IsCompleted) OnHandshake(handshake);
            else handshake.ContinueWith(_onHandshake, TaskContinuationOptions.ExecuteSynchronously);
        }

        private Task Handshake(CancellationToken cancellationToken) => _transport.Tls.SelectsByName
            ? _transport.Stream.AuthenticateAsServerAsync(SelectByName, _transport.Tls, cancellationToken)
            : _transport.Stream.AuthenticateAsServerAsync(_transport.Tls.Options, cancellationToken);

        private async Task AfterPreambleAsync(IpAllowList allowed, CancellationToken cancellationToken)
        {
            await ProxyPreambleReader.ReadAsync(_transport, allowed, cancellationToken);
            await Handshake(cancellationToken);
        }

        // Static, with the settings as state: no closure per connection.
        private static readonly ServerOptionsSelectionCallback SelectByName = (_, hello, state, _) =>
            ValueTask.FromResult(((ServerTls)state!).OptionsFor(hello.ServerName));

        private void OnHandshake(Task handshake)
        {
            if (!handshake.IsCompletedSuccessfully)
            {
                Log.Debug("TLS connection from {0} failed before its first request: {1}", _transport.Socket.RemoteEndPoint,
                    handshake.Exception?.GetBaseException().Message ?? "timed out");
                CompleteStage();
                return;
            }
            _transport.Session.Established(_transport.Stream);
            _established = true;
            if (IsAvailable(_stage._out)) Read();
        }

        public override void OnPull()
        {
            if (_established) Read();
        }

        public override void OnDownstreamFinish(Exception cause) => CompleteStage();

        private void Read()
        {
            Task<int> read;
            try
            {
                var pending = _transport.Stream.ReadAsync(_buffer);
                read = pending.IsCompletedSuccessfully ? Task.FromResult(pending.Result) : pending.AsTask();
            }
            catch (Exception e)
            {
                read = Task.FromException<int>(e);
            }
            if (read.IsCompleted) OnRead(read);
            else read.ContinueWith(_onRead, TaskContinuationOptions.ExecuteSynchronously);
        }

        private void OnRead(Task<int> read)
        {
            if (!read.IsCompletedSuccessfully || read.Result == 0)
            {
                CompleteStage();
                return;
            }
            Push(_stage._out, _buffer.AsMemory(0, read.Result));
        }
    }
}
