using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using AkkaGunicorn.Arbiter.Native;
using AkkaGunicorn.Workers.Native;
using AkkaGunicorn.Workers.Logging;
using Serilog;
using Serilog.Events;

namespace AkkaGunicorn.Arbiter.Control;

/// <summary>
/// The control socket: a Unix socket only its owner (and root, and with a group mode its group) may use, one command
/// per line in, one JSON object per line out. The file is created with its final mode in a private directory and moved
/// into place, so it is never open to others even for an instant; each connection's peer is checked again
/// (SO_PEERCRED). A malformed or unknown command gets an error answer and the connection stays open. The file is
/// removed when the server stops, unless another server has taken its name meanwhile (an upgrade's successor).
/// </summary>
public sealed class ControlServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly string _path;
    private readonly IActorRef _control;
    private readonly bool _groupMayConnect;
    private readonly uint _group;
    private readonly ulong _inode;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private static readonly LogThrottle Refused = new(5, TimeSpan.FromMinutes(1));

    private ControlServer(string path, IActorRef control, UnixFileMode mode)
    {
        _path = path;
        _control = control;
        _groupMayConnect = (mode & UnixFileMode.GroupWrite) != 0;
        var staging = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var staged = Path.Combine(staging, "s");
            _listener.Bind(new UnixDomainSocketEndPoint(staged));
            File.SetUnixFileMode(staged, mode);
            _listener.Listen(16);
            // rename(2): atomic, and it replaces a stale socket (or an upgraded Arbiter's) without a moment with none.
            File.Move(staged, path, overwrite: true);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
        var status = FileStatus.Of(path)!.Value;
        (_inode, _group) = (status.Inode, status.Gid);
        _accepting = AcceptAsync();
    }

    /// <summary>
    /// Listens on <paramref name="path"/>; logs and returns null when it cannot, or when another server answers there
    /// and <paramref name="takeOver"/> is false. An upgrade's new Arbiter takes the path over from its predecessor.
    /// </summary>
    public static ControlServer? Start(string path, IActorRef control, UnixFileMode mode, bool takeOver)
    {
        if (!takeOver && FileStatus.Of(path) is { IsSocket: true } && Answers(path))
        {
            Log.Warning("No control socket: another server listens on {Path} (set control_socket or proc_name to use another path)", path);
            return null;
        }
        try
        {
            var server = new ControlServer(path, control, mode);
            Log.Information("Control socket: {Path}", path);
            return server;
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            Log.Warning("No control socket at {Path}: {Error}", path, e.Message);
            return null;
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = ServeAsync(client);
        }
    }

    /// <summary>The server's own user, root, and (with a group mode) members of the socket's group.</summary>
    private bool Admits(PeerCredentials peer) =>
        peer.Uid == Accounts.EffectiveUid || peer.Uid == 0 || (_groupMayConnect && peer.InGroup(_group));

    private async Task ServeAsync(Socket client)
    {
        using var _ = client;
        var peer = PeerCredentials.Of(client);
        if (!Admits(peer))
        {
            Refused.Write("peer", LogEventLevel.Warning, null, "Refused a control connection from uid {Uid} (pid {Pid})", peer.Uid, peer.Pid);
            return;
        }
        await using var stream = new NetworkStream(client, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
        try
        {
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line.Trim().Length == 0) continue;
                await writer.WriteLineAsync((await AnswerAsync(line)).ToJsonString());
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
        {
        }
    }

    private async Task<JsonObject> AnswerAsync(string line)
    {
        ControlCommand command;
        try
        {
            command = ControlCommand.Parse(line);
        }
        catch (FormatException e)
        {
            return ControlActor.Error(e.Message);
        }
        try
        {
            return await _control.Ask<JsonObject>(new ControlActor.Run(command), command.IsCluster ? TimeSpan.FromHours(1) : TimeSpan.FromSeconds(150));
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return ControlActor.Error("the Arbiter did not answer in time");
        }
    }

    /// <summary>Stops listening and removes the socket file, if the name is still this server's.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        await _accepting;
        if (FileStatus.Of(_path) is { } status && status.Inode == _inode) File.Delete(_path);
    }

    private static bool Answers(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
