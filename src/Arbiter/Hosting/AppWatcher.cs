using Akka.Actor;
using AkkaGunicorn.Arbiter.Supervision;

namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>
/// Development reload (the reload setting): a change to an assembly or JSON file in the app's directory, or to one of
/// reload_extra_files,
/// reloads the workers as HUP does. Changes are gathered for a moment first, since a build writes many files.
/// </summary>
public sealed class AppWatcher : IDisposable
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Timer _timer;

    /// <summary>Starts watching.</summary>
    public AppWatcher(string appDirectory, IEnumerable<string> extraFiles, IActorRef arbiter)
    {
        _timer = new Timer(_ => arbiter.Tell(new Reload("app files changed")));
        // Assemblies and their settings only: log files, sockets or uploads next to the app must not reload it.
        Watch(appDirectory, "*.dll", "*.json");
        foreach (var file in extraFiles.Select(Path.GetFullPath))
            Watch(Path.GetDirectoryName(file)!, Path.GetFileName(file));
    }

    private void Watch(string directory, params string[] filters)
    {
        var watcher = new FileSystemWatcher(directory)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        foreach (var filter in filters) watcher.Filters.Add(filter);
        // Every event restarts the wait: the reload comes once the writes have settled.
        FileSystemEventHandler changed = (_, _) => _timer.Change(Settle, Timeout.InfiniteTimeSpan);
        watcher.Changed += changed;
        watcher.Created += changed;
        watcher.Deleted += changed;
        watcher.Renamed += (_, _) => _timer.Change(Settle, Timeout.InfiniteTimeSpan);
        watcher.EnableRaisingEvents = true;
        _watchers.Add(watcher);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var watcher in _watchers) watcher.Dispose();
        _timer.Dispose();
    }
}
