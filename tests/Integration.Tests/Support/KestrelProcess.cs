using System.Diagnostics;
using System.Text.RegularExpressions;

namespace AkkaGunicorn.Integration.Tests.Support;

/// <summary>An ASP.NET Core app run alone on Kestrel (<c>dotnet App.dll --urls ...</c>), on an ephemeral loopback port: the reference.</summary>
public sealed partial class KestrelProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private KestrelProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Port { get; private set; }

    /// <summary>Starts the app and waits until Kestrel says where it listens.</summary>
    public static async Task<KestrelProcess> StartAsync(string app)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(app)!,
        };
        info.ArgumentList.Add(app);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        info.Environment["Logging__Console__FormatterName"] = "simple";
        var kestrel = new KestrelProcess(Process.Start(info)!);
        kestrel.Port = await kestrel._port.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return kestrel;
    }

    private void OnLine(string? line)
    {
        if (line is not null && ListeningRegex().Match(line) is { Success: true } match) _port.TrySetResult(int.Parse(match.Groups[1].Value));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningRegex();
}
