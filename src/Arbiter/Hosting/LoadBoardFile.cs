using AkkaGunicorn.Workers.Balance;

namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>The Arbiter's load board: created in shared memory (/dev/shm when there is one) and removed on exit.</summary>
public sealed class LoadBoardFile : IDisposable
{
    private LoadBoardFile(string path)
    {
        Path = path;
        Board = LoadBoard.Create(path);
    }

    /// <summary>The file workers open.</summary>
    public string Path { get; }

    /// <summary>The board.</summary>
    public LoadBoard Board { get; }

    /// <summary>Creates a board file private to this Arbiter.</summary>
    public static LoadBoardFile Create()
    {
        var directory = Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();
        return new LoadBoardFile(System.IO.Path.Combine(directory, $"akkagunicorn-{Environment.ProcessId}-{Guid.NewGuid():N}.board"));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Board.Dispose();
        File.Delete(Path);
    }
}
