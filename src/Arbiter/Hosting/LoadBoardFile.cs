using AkkaGunicorn.Arbiter.Native;
using AkkaGunicorn.Workers.Balance;

namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>
/// The Arbiter's load board: a file in shared memory (/dev/shm when there is one) that is unlinked as soon as it is
/// open. Workers inherit its descriptor, so it needs no name, no permissions for a worker that runs as another
/// user, and no clean-up: it is gone when the last process holding it is, SIGKILL included.
/// </summary>
public sealed class LoadBoardFile : IDisposable
{
    private readonly FileStream _file;

    private LoadBoardFile(FileStream file)
    {
        _file = file;
        Descriptor = (int)file.SafeFileHandle.DangerousGetHandle();
        Libc.ClearCloseOnExec(Descriptor);
        Board = LoadBoard.Over(file, leaveOpen: true);
    }

    /// <summary>The descriptor workers inherit.</summary>
    public int Descriptor { get; }

    /// <summary>The board.</summary>
    public LoadBoard Board { get; }

    /// <summary>Creates an anonymous board file.</summary>
    public static LoadBoardFile Create()
    {
        var directory = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var path = Path.Combine(directory, $"akkagunicorn-{Environment.ProcessId}-{Guid.NewGuid():N}.board");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite);
        File.Delete(path);
        return new LoadBoardFile(file);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Board.Dispose();
        _file.Dispose();
    }
}
