using System.IO.MemoryMappedFiles;

namespace AkkaGunicorn.Workers.Balance;

/// <summary>
/// A small shared-memory table, one entry per worker, through which workers balance connections without
/// asking anyone: each publishes how many connections it holds and when it last made progress, and accepts
/// a new connection only while it holds no more than the least-loaded live sibling (give or take a little).
/// Racing accept() calls on one shared queue otherwise hand most connections to whichever worker wakes first
/// (Gunicorn #2938). A sibling that is draining, or silent for longer than the staleness limit (stopped, wedged,
/// dead), does not count, so a stuck worker never holds the others back for long.
/// <para>
/// The Arbiter creates the file, unlinks it at once and hands workers its descriptor, so that no file outlives the
/// server, even one killed with SIGKILL; it assigns the entries, and a worker writes only its own. The board is read
/// before every accept, so it is read through a pointer, and only as far as the highest entry ever taken.
/// </para>
/// </summary>
public sealed unsafe class LoadBoard : IDisposable
{
    /// <summary>Entries: one per worker slot that exists at once (the workers setting allows up to 1024).</summary>
    public const int Entries = 2048;

    // A header (the number of entries in use, a high-water mark), then per entry, 8-byte aligned so that each field
    // is written and read whole: pid (0 = free), connections, last progress (Environment.TickCount64, one monotonic
    // clock for every process), draining (0/1), accepting (0/1: it takes connections, not holding back for a sibling).
    private const int HeaderSize = 64, EntrySize = 40, Pid = 0, Connections = 8, Progress = 16, Draining = 24, Accepting = 32;
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;

    private LoadBoard(MemoryMappedFile file)
    {
        _file = file;
        _view = file.CreateViewAccessor(0, Size);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
    }

    /// <summary>The board's size in bytes.</summary>
    public const long Size = HeaderSize + (long)Entries * EntrySize;

    /// <summary>A board over <paramref name="file"/>, which is made <see cref="Size"/> bytes long if it is shorter.</summary>
    public static LoadBoard Over(FileStream file, bool leaveOpen)
    {
        if (file.Length < Size) file.SetLength(Size);
        return new(MemoryMappedFile.CreateFromFile(file, null, Size, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen));
    }

    /// <summary>The board behind an inherited descriptor (a worker's).</summary>
    public static LoadBoard FromDescriptor(int descriptor) =>
        Over(new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle((IntPtr)descriptor, ownsHandle: true), FileAccess.ReadWrite), leaveOpen: false);

    /// <summary>Claims <paramref name="entry"/> for this process, holding no connections.</summary>
    public void Join(int entry)
    {
        Write(entry, Connections, 0);
        Write(entry, Draining, 0);
        Write(entry, Accepting, 0);
        Write(entry, Progress, Environment.TickCount64);
        Write(entry, Pid, Environment.ProcessId);
        ref long inUse = ref *(long*)_base;
        for (long seen = Volatile.Read(ref inUse); seen <= entry; seen = Volatile.Read(ref inUse))
            Interlocked.CompareExchange(ref inUse, entry + 1, seen);
    }

    /// <summary>Publishes this worker's connection count and that it is making progress.</summary>
    public void Publish(int entry, long connections)
    {
        Write(entry, Connections, connections);
        Write(entry, Progress, Environment.TickCount64);
    }

    /// <summary>Publishes whether this worker takes connections (some accept stage of its is not holding back).</summary>
    public void PublishAccepting(int entry, bool accepting) => Write(entry, Accepting, accepting ? 1 : 0);

    /// <summary>Marks the entry as draining: siblings stop waiting for it to take its share.</summary>
    public void Leave(int entry) => Write(entry, Draining, 1);

    /// <summary>Frees an entry (the Arbiter, when its process has exited).</summary>
    public void Clear(int entry) => Write(entry, Pid, 0);

    /// <summary>
    /// Whether the worker at <paramref name="entry"/>, holding <paramref name="connections"/>, may accept now: it holds
    /// no more than every live, non-draining sibling that takes connections, plus <paramref name="slack"/> (so that
    /// workers holding about the same take connections as they come instead of waiting for each other). A sibling that
    /// holds back itself would not take the connection now: leaving it to that sibling left both waiting for their
    /// next look while connections queued (a new connection per request, two workers: 800 requests/s instead of 10k).
    /// </summary>
    public bool MayAccept(int entry, long connections, TimeSpan staleAfter, long slack = 0)
    {
        long now = Environment.TickCount64, stale = (long)staleAfter.TotalMilliseconds;
        long inUse = Math.Min(Volatile.Read(ref *(long*)_base), Entries);
        for (int i = 0; i < inUse; i++)
        {
            if (i == entry || Read(i, Pid) == 0 || Read(i, Draining) != 0) continue;
            if (now - Read(i, Progress) > stale) continue;
            if (Read(i, Connections) + slack < connections && Read(i, Accepting) != 0) return false;
        }
        return true;
    }

    /// <summary>The process that has joined an entry (it serves, or served), or 0.</summary>
    public int PidAt(int entry) => (int)Read(entry, Pid);

    /// <summary>The connection count an entry publishes (for tests and diagnostics).</summary>
    public long ConnectionsOf(int entry) => Read(entry, Connections);

    private long Read(int entry, int field) => Volatile.Read(ref *(long*)(_base + HeaderSize + (long)entry * EntrySize + field));

    private void Write(int entry, int field, long value) => Volatile.Write(ref *(long*)(_base + HeaderSize + (long)entry * EntrySize + field), value);

    /// <inheritdoc />
    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
