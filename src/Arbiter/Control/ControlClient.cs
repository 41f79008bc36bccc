using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using AkkaGunicorn.Arbiter.Native;
using AkkaGunicorn.Workers.Native;

namespace AkkaGunicorn.Arbiter.Control;

/// <summary>
/// <c>AkkaGunicorn.dll ctl [-s PATH | -n NAME] [-j] [COMMAND]</c>: runs one command and exits (0 if it succeeded), or
/// without one, reads commands at a prompt (with the console's line editing) until EOF or <c>quit</c>. Answers print
/// as tables for people, or as the server's JSON with <c>-j</c>. It talks only to a socket of its own user, served by
/// a process of its own user or root: nobody else can plant a socket to receive an operator's commands.
/// </summary>
public static class ControlClient
{
    /// <summary>Runs the client; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        string? path = null;
        string name = "akkagunicorn";
        bool json = false;
        var words = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-s" or "--socket" when i + 1 < args.Length: path = Path.GetFullPath(args[++i]); break;
                case "-n" or "--name" when i + 1 < args.Length: name = args[++i]; break;
                case "-j" or "--json": json = true; break;
                case "-h" or "--help":
                    Console.WriteLine($"usage: AkkaGunicorn.dll ctl [-s PATH | -n NAME] [-j] [COMMAND]\n" +
                        $"  -s PATH  the control socket (default: {Path.Combine(ControlSocketPath.DefaultDirectory(), ControlSocketPath.FileName("NAME"))})\n" +
                        $"  -n NAME  the server's proc_name, for the default path (default: akkagunicorn)\ncommands: {ControlCommand.Usage}");
                    return 0;
                default: words.Add(args[i]); break;
            }
        }
        path ??= Path.Combine(ControlSocketPath.DefaultDirectory(), ControlSocketPath.FileName(name));
        uint self = Accounts.EffectiveUid;
        if (FileStatus.Of(path) is { } status && (!status.IsSocket || status.Uid != self))
        {
            Console.Error.WriteLine(status.IsSocket
                ? $"Error: refusing the control socket {path}: it belongs to uid {status.Uid}, not to you (uid {self}); run ctl as that server's user"
                : $"Error: {path} is {status.Kind}, not a control socket");
            return 1;
        }
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"Error: cannot connect to the control socket {path}: {e.Message}");
            return 1;
        }
        var server = PeerCredentials.Of(socket);
        if (server.Uid != self && server.Uid != 0)
        {
            Console.Error.WriteLine($"Error: refusing the control socket {path}: it is served by uid {server.Uid} (pid {server.Pid}), not by you or root");
            return 1;
        }
        await using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
        if (words.Count > 0) return await SendAsync(string.Join(' ', words), reader, writer, json) == true ? 0 : 1;
        while (true)
        {
            Console.Write("akkagunicorn> ");
            var line = Console.ReadLine();
            if (line is null || line.Trim() is "quit" or "exit") return 0;
            if (line.Trim().Length > 0 && await SendAsync(line, reader, writer, json) is null) return 1;
        }
    }

    /// <summary>Sends one command and prints the answer: true if it succeeded, false if it failed, null if the connection is gone.</summary>
    private static async Task<bool?> SendAsync(string command, StreamReader reader, StreamWriter writer, bool json)
    {
        await writer.WriteLineAsync(command);
        var line = await reader.ReadLineAsync();
        if (line is null)
        {
            Console.Error.WriteLine("Error: the server closed the connection");
            return null;
        }
        var answer = JsonNode.Parse(line)!.AsObject();
        bool ok = answer["ok"]?.GetValue<bool>() == true;
        if (json) Console.WriteLine(line);
        else if (!ok) Console.Error.WriteLine($"Error: {answer["error"]}");
        else Console.Write(ControlTables.Render(answer));
        return ok;
    }
}
