using System.Globalization;

namespace AkkaGunicorn.Integration.Tests.Support;

/// <summary>
/// What a process listens on, found as another local user would: its sockets' inodes in /proc/net/tcp and
/// /proc/net/unix (the inodes read from the process's descriptors, which the tests, as root, may see).
/// </summary>
public static class ListeningPorts
{
    /// <summary>The TCP ports.</summary>
    public static IReadOnlyList<int> Of(int pid)
    {
        var inodes = SocketInodes(pid);
        return new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists).SelectMany(File.ReadLines).Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 9 && f[3] == "0A" && inodes.Contains(f[9]))
            .Select(f => int.Parse(f[1].Split(':')[1], NumberStyles.HexNumber)).Distinct().ToList();
    }

    /// <summary>The names of the abstract Unix sockets it listens on (without the leading @).</summary>
    public static IReadOnlyList<string> AbstractSocketsOf(int pid)
    {
        var inodes = SocketInodes(pid);
        // Num RefCount Protocol Flags Type St Inode Path; flags 00010000 is __SO_ACCEPTCON, a listening socket.
        return File.ReadLines("/proc/net/unix").Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 7 && f[3] == "00010000" && f[7].StartsWith('@') && inodes.Contains(f[6]))
            .Select(f => f[7][1..]).Distinct().ToList();
    }

    private static HashSet<string> SocketInodes(int pid) => new DirectoryInfo($"/proc/{pid}/fd").EnumerateFileSystemInfos()
        .Select(f => f.LinkTarget).Where(t => t?.StartsWith("socket:[") == true).Select(t => t![8..^1]).ToHashSet();
}
