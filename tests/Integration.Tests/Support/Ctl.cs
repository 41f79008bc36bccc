using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests.Support;

/// <summary>Runs <c>AkkaGunicorn.dll ctl -s SOCKET -j COMMAND</c> as an operator would, and parses its answer.</summary>
public static class Ctl
{
    public static async Task<(int Code, JsonObject Answer)> RunAsync(string socket, string command, ITestOutputHelper? output = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Paths.Server, "ctl", "-s", socket, "-j" }.Concat(command.Split(' '))) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(150));
        output?.WriteLine($"ctl {command} → {process.ExitCode}: {await stdout}{await stderr}");
        return (process.ExitCode, JsonNode.Parse(await stdout)!.AsObject());
    }

    /// <summary>One command straight over the control socket (what ctl sends), for polling without starting a process each time.</summary>
    public static async Task<JsonObject> AskAsync(string socket, string command)
    {
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(socket));
        await using var stream = new NetworkStream(client);
        using var reader = new StreamReader(stream);
        await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(command + "\n"));
        return JsonNode.Parse((await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(150)))!)!.AsObject();
    }
}
