using System.Diagnostics;
using System.Text.RegularExpressions;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests.Cli;

/// <summary>
/// Installed as a .NET user installs tools: dotnet pack, dotnet tool install into a tool path of its own, then the
/// akkagunicorn command serves an app, its workers started from the tool's install location.
/// </summary>
public sealed class ToolPackageTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ag-tool-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<string> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _directory };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        // Its own NuGet caches would only slow the test down; the tool path is what must be fresh.
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        var said = await stdout + await stderr;
        output.WriteLine($"$ {file} {string.Join(' ', args)}\n{said}");
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {said}");
        return said;
    }

    [Fact]
    public async Task The_packed_tool_installs_and_serves_an_app()
    {
        var artifacts = Path.Combine(_directory, "artifacts");
        var tools = Path.Combine(_directory, "tools");
        // What the solution's build made is what gets packed (the tests run after it).
        await RunAsync("dotnet", "pack", Path.Combine(Paths.Root, "src/Arbiter/AkkaGunicorn.csproj"), "-c", "Release", "--no-build", "-o", artifacts);
        await RunAsync("dotnet", "pack", Path.Combine(Paths.Root, "src/Http/AkkaGunicorn.Http.csproj"), "-c", "Release", "--no-build", "-o", artifacts);
        var packages = Directory.GetFiles(artifacts, "*.nupkg").Select(Path.GetFileName).ToList();
        Assert.Contains(packages, p => Regex.IsMatch(p!, @"^AkkaGunicorn\.\d+\.\d+\.\d+\.nupkg$"));
        Assert.Contains(packages, p => Regex.IsMatch(p!, @"^AkkaGunicorn\.Http\.\d+\.\d+\.\d+\.nupkg$"));

        await RunAsync("dotnet", "tool", "install", "AkkaGunicorn", "--tool-path", tools, "--add-source", artifacts, "--ignore-failed-sources");
        var command = Path.Combine(tools, "akkagunicorn");
        Assert.Contains("Worker processes:", await RunAsync(command, "--help"));

        await using var server = ServerProcess.StartCommand(command, ["--bind", "127.0.0.1:0", "--workers", "2", "--control-socket-disable", Paths.Hello], output);
        var port = int.Parse((await server.WaitForLineAsync(ServerProcess.ListeningRegex())).Groups[1].Value);
        await server.WaitForCountAsync(ServerProcess.ServingRegex(), 2);
        using var http = new HttpClient();
        Assert.Equal("Hello, World!", await http.GetStringAsync($"http://127.0.0.1:{port}/"));
        // The workers are the installed tool too, not the build tree's binary.
        foreach (var pid in server.WorkerPids)
            Assert.Contains(tools, File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '));
    }
}
