using AkkaGunicorn.Arbiter.Native;
using AkkaGunicorn.Workers.Balance;

namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>
/// The Arbiter's load board: an anonymous file in memory (memfd) that never has a name, so no other process can
/// open it, not even for an instant. Workers inherit its descriptor, so it needs no permissions for a worker that runs
/// as another user, and no clean-up: it is gone when the last process holding it is, SIGKILL included.
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
    public static LoadBoardFile Create() =>
        new(new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(Libc.MemoryFile("akkagunicorn-board"), ownsHandle: true), FileAccess.ReadWrite));

    /// <inheritdoc />
    public void Dispose()
    {
        Board.Dispose();
        _file.Dispose();
    }
}
