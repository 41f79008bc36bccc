namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>The Arbiter's pidfile: written atomically, refused when a live process owns it, removed on exit.</summary>
public sealed class PidFile : IDisposable
{
    private readonly string _path;

    private PidFile(string path) => _path = path;

    /// <summary>Claims <paramref name="path"/>; throws <see cref="IOException"/> naming the live owner if there is one.</summary>
    public static PidFile Claim(string path)
    {
        if (File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), out var owner) && owner != Environment.ProcessId && IsAlive(owner))
            throw new IOException($"pidfile '{path}' belongs to a running process (pid {owner}); is another AkkaGunicorn running?");
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, $"{Environment.ProcessId}\n");
        File.Move(temporary, path, overwrite: true);
        return new PidFile(path);
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");

    /// <summary>Removes the file if it is still ours.</summary>
    public void Dispose()
    {
        try
        {
            if (File.Exists(_path) && File.ReadAllText(_path).Trim() == Environment.ProcessId.ToString()) File.Delete(_path);
        }
        catch (IOException)
        {
        }
    }
}
