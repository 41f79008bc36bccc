using System.Net.Sockets;
using Akka.Actor;
using Akka.Remote.Transport;
using Google.Protobuf;

namespace AkkaGunicorn.Workers.Remoting;

/// <summary>
/// One admitted connection of <see cref="UnixSocketTransport"/>: each Akka frame is one packet. Reading starts once
/// Akka has registered its listener; a write that would block reports false, which Akka answers by buffering and
/// retrying, so that a slow peer never blocks the writing actor's thread.
/// </summary>
internal sealed class UnixSocketAssociation : AssociationHandle
{
    private readonly Socket _socket;
    private readonly int _maximumPayload;
    private readonly Action<UnixSocketAssociation> _closed;
    private readonly Lock _sending = new();
    private int _open = 1;

    public UnixSocketAssociation(Socket socket, Address local, Address remote, int maximumPayload, Action<UnixSocketAssociation> closed)
        : base(local, remote)
    {
        _socket = socket;
        _socket.Blocking = false;
        _maximumPayload = maximumPayload;
        _closed = closed;
        ReadHandlerSource.Task.ContinueWith(t => ReadAsync(t.Result), TaskContinuationOptions.OnlyOnRanToCompletion);
    }

    public override bool Write(ByteString payload)
    {
        lock (_sending)
        {
            if (_open == 0) return false;
            try
            {
                int sent = _socket.Send(payload.Span, SocketFlags.None, out var error);
                return error == SocketError.Success && sent == payload.Length;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }

    [Obsolete("Akka's own override point; callers use Disassociate(reason, log).")]
    public override void Disassociate() => Close();

    /// <summary>Closes the connection (once); the read loop then tells Akka it is gone.</summary>
    public void Close()
    {
        lock (_sending)
        {
            if (_open == 0) return;
            _open = 0;
        }
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        _socket.Dispose();
        _closed(this);
    }

    private async Task ReadAsync(IHandleEventListener listener)
    {
        // One byte more than a frame may hold: a longer packet arrives cut short, and the extra byte tells.
        var buffer = new byte[_maximumPayload + 1];
        try
        {
            while (true)
            {
                int received = await _socket.ReceiveAsync(buffer, SocketFlags.None);
                if (received == 0 || received > _maximumPayload) break;
                listener.Notify(new InboundPayload(ByteString.CopyFrom(buffer, 0, received)));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        Close();
        listener.Notify(new Disassociated(DisassociateInfo.Unknown));
    }
}
