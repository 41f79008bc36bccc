using AkkaGunicorn.Integration.Tests.Support;
using Xunit;

namespace AkkaGunicorn.Integration.Tests.AspNetCore;

/// <summary>One AkkaGunicorn server running the probe app (one worker), shared by the tests that leave it as they found it.</summary>
public sealed class ProbeServer : IAsyncLifetime
{
    public ServerProcess Server { get; private set; } = null!;

    /// <summary>Where the app leaves a file for each event it reports (an aborted request, a completed one).</summary>
    public string Events { get; } = Directory.CreateTempSubdirectory("ag-probe-").FullName;

    public async Task InitializeAsync() =>
        Server = await ServerProcess.StartServingAsync([Paths.AspNetProbe], workers: 1, output: null,
            new Dictionary<string, string> { ["PROBE_EVENTS"] = Events });

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(Events, recursive: true);
    }

    /// <summary>Waits until the app has reported an event whose file name starts with <paramref name="prefix"/>.</summary>
    public async Task<string> WaitForEventAsync(string prefix)
    {
        using var watcher = new FileSystemWatcher(Events) { EnableRaisingEvents = true };
        var appeared = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.Created += (_, _) => appeared.TrySetResult();
        watcher.Renamed += (_, _) => appeared.TrySetResult();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (Directory.GetFiles(Events, prefix + "*").FirstOrDefault() is { } file) return file;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The app reported no '{prefix}' event.");
            await Task.WhenAny(appeared.Task, Task.Delay(TimeSpan.FromSeconds(1)));
        }
    }
}
