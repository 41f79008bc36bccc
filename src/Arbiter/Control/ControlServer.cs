using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Serilog;

namespace AkkaGunicorn.Arbiter.Control;

/// <summary>
/// The control socket: a Unix socket only its owner may use (mode 0600), one command per line in, one JSON object
/// per line out. A malformed or unknown command gets an error answer and the connection stays open. The socket
/// file is removed when the server stops.
/// </summary>
public sealed class ControlServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly string _path;
    private readonly IActorRef _control;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private ControlServer(string path, IActorRef control)
    {
        _path = path;
        _control = control;
        if (File.Exists(path)) File.Delete(path);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _listener.Listen(16);
        _accepting = AcceptAsync();
    }

    /// <summary>Listens on <paramref name="path"/>; logs and returns null when it cannot, or when another server answers there.</summary>
    public static ControlServer? Start(string path, IActorRef control)
    {
        if (File.Exists(path) && Answers(path))
        {
            Log.Warning("No control socket: another server listens on {Path} (set control_socket to use another path)", path);
            return null;
        }
        try
        {
            var server = new ControlServer(path, control);
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

    private async Task ServeAsync(Socket client)
    {
        using var _ = client;
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
            return await _control.Ask<JsonObject>(new ControlActor.Run(command), TimeSpan.FromSeconds(150));
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return ControlActor.Error("the Arbiter did not answer in time");
        }
    }

    /// <summary>Stops listening and removes the socket file.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        await _accepting;
        // The path may meanwhile belong to another server (an upgrade's): remove it only if nobody answers there.
        if (File.Exists(_path) && !Answers(_path)) File.Delete(_path);
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
