using System.Collections.Concurrent;
using System.ComponentModel;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Akka.Remote.Transport;
using AkkaGunicorn.Workers.Logging;
using AkkaGunicorn.Workers.Native;
using Serilog.Events;

namespace AkkaGunicorn.Workers.Remoting;

/// <summary>
/// Akka.Remote's transport between the Arbiter and its workers: Unix sequenced-packet sockets in the abstract
/// namespace, one Akka frame per packet, each connection admitted by the kernel's word on who is calling
/// (<see cref="PeerAdmission"/>) before a byte crosses. It replaced TCP with mutual TLS, which cost every worker
/// OpenSSL and DotNetty (6-8 MB resident), a key pair and two handshakes at start-up, and event-loop threads that
/// woke some thirty times a second each while the server was idle; loopback TCP admits every local user, so it
/// needed the cryptography, where a Unix socket's peer credentials answer the question directly.
/// </summary>
public sealed class UnixSocketTransport : Akka.Remote.Transport.Transport
{
    /// <summary>The scheme of the driver's addresses; Akka's protocol layer prefixes it (akka.uds).</summary>
    public const string Scheme = "uds";

    private static readonly LogThrottle Refusals = new(3, TimeSpan.FromMinutes(1));
    private readonly PeerAdmission _admission;
    private readonly ConcurrentDictionary<UnixSocketAssociation, byte> _open = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Address? _address;
    private long _inbound;

    /// <summary>Made by Akka.Remote from <c>akka.remote.uds</c>; the admission rule comes from the actor system's setup.</summary>
    public UnixSocketTransport(ActorSystem system, Config config)
    {
        System = system;
        Config = config;
        SchemeIdentifier = Scheme;
        MaximumPayloadBytes = config.GetByteSize("maximum-frame-size", null) ?? 128_000;
        _admission = system.Settings.Setup.Get<PeerAdmission>().GetOrElse(PeerAdmission.SameUser());
    }

    /// <summary>
    /// Binds a fresh abstract name (a random one: nobody can take it first, and it leaves nothing behind on disk) and
    /// accepts once Akka listens for associations. The address's host is the name, its port this process's id.
    /// </summary>
    public override Task<(Address, TaskCompletionSource<IAssociationEventListener>)> Listen()
    {
        string name = Guid.NewGuid().ToString("N");
        var listener = NewSocket();
        listener.Bind(EndPointOf(name));
        listener.Listen(64);
        _listener = listener;
        _address = new Address(Scheme, System.Name, name, Environment.ProcessId);
        var associations = new TaskCompletionSource<IAssociationEventListener>(TaskCreationOptions.RunContinuationsAsynchronously);
        associations.Task.ContinueWith(t => AcceptAsync(listener, t.Result), TaskContinuationOptions.OnlyOnRanToCompletion);
        return Task.FromResult((_address, associations));
    }

    /// <inheritdoc />
    public override bool IsResponsibleFor(Address remote) => remote.Host is not null;

    /// <summary>Connects to the process listening at <paramref name="remoteAddress"/>'s name, if the rule admits it.</summary>
    public override async Task<AssociationHandle> Associate(Address remoteAddress)
    {
        if (_address is null) throw new InvalidAssociationException("The transport is not listening");
        var socket = NewSocket();
        try
        {
            await socket.ConnectAsync(EndPointOf(remoteAddress.Host!), _stopping.Token);
            var peer = PeerCredentials.Of(socket);
            if (!_admission.Admits(peer))
                throw new InvalidAssociationException($"{remoteAddress} is served by pid {peer.Pid} (uid {peer.Uid}), not a process of this server");
            return Open(socket, remoteAddress);
        }
        catch (Exception e) when (e is SocketException or Win32Exception or OperationCanceledException)
        {
            socket.Dispose();
            throw new InvalidAssociationException($"Cannot connect to {remoteAddress}: {e.Message}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Stops accepting and closes every open association.</summary>
    public override Task<bool> Shutdown()
    {
        _stopping.Cancel();
        _listener?.Dispose();
        foreach (var association in _open.Keys) association.Close();
        return Task.FromResult(true);
    }

    private async Task AcceptAsync(Socket listener, IAssociationEventListener events)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // Out of descriptors, say: try again shortly rather than spin.
                await Task.Delay(100);
                continue;
            }
            PeerCredentials peer;
            try
            {
                peer = PeerCredentials.Of(socket);
            }
            catch (Win32Exception)
            {
                socket.Dispose();
                continue;
            }
            if (!_admission.Admits(peer))
            {
                socket.Dispose();
                Refusals.Write("refused", LogEventLevel.Warning, null,
                    "Remoting: refused a connection from pid {Pid} (uid {Uid}): not a process of this server", peer.Pid, peer.Uid);
                continue;
            }
            // Akka names the association by the address its handshake gives; this one only has to be unique.
            var remote = new Address(Scheme, "peer", $"pid{peer.Pid}", (int)Interlocked.Increment(ref _inbound));
            events.Notify(new InboundAssociation(Open(socket, remote)));
        }
    }

    private UnixSocketAssociation Open(Socket socket, Address remote)
    {
        var association = new UnixSocketAssociation(socket, _address!, remote, (int)MaximumPayloadBytes, closed => _open.TryRemove(closed, out _));
        _open[association] = 0;
        return association;
    }

    // Sequenced packets keep Akka's frames whole (no length prefix to trust or parse) and deliver them in order.
    private static Socket NewSocket() => new(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);

    private static UnixDomainSocketEndPoint EndPointOf(string name) => new("\0akkagunicorn-" + name);
}
