using System.Diagnostics;
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
}
