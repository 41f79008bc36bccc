using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace AkkaGunicorn.Arbiter.Control;

/// <summary>
/// <c>AkkaGunicorn.dll ctl [-s PATH] [-j] [COMMAND]</c>: runs one command and exits (0 if it succeeded), or without
/// one, reads commands at a prompt (with the console's line editing) until EOF or <c>quit</c>. Answers print as
/// tables for people, or as the server's JSON with <c>-j</c>.
/// </summary>
public static class ControlClient
{
    /// <summary>Runs the client; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        string path = Path.GetFullPath("akkagunicorn.ctl");
        bool json = false;
        var words = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-s" or "--socket" when i + 1 < args.Length: path = Path.GetFullPath(args[++i]); break;
                case "-j" or "--json": json = true; break;
                case "-h" or "--help":
                    Console.WriteLine($"usage: AkkaGunicorn.dll ctl [-s PATH] [-j] [COMMAND]\ncommands: {ControlCommand.Usage}");
                    return 0;
                default: words.Add(args[i]); break;
            }
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
