using System.Diagnostics;

namespace AkkaGunicorn.Integration.Tests.Support;

/// <summary>Runs a real client (curl, openssl, h2load) to its end.</summary>
public static class ExternalCommand
{
    /// <summary>Runs <paramref name="file"/> with nothing on its input; returns its exit code and its output and errors together.</summary>
    public static async Task<(int Code, string Out)> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout + await stderr);
    }
}
