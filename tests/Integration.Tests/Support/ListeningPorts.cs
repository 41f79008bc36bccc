using System.Globalization;

namespace AkkaGunicorn.Integration.Tests.Support;

/// <summary>The TCP ports a process listens on, found as another local user would: its sockets' inodes in /proc/net/tcp.</summary>
public static class ListeningPorts
{
    public static IReadOnlyList<int> Of(int pid)
    {
        var inodes = new DirectoryInfo($"/proc/{pid}/fd").EnumerateFileSystemInfos()
            .Select(f => f.LinkTarget).Where(t => t?.StartsWith("socket:[") == true).Select(t => t![8..^1]).ToHashSet();
        return new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists).SelectMany(File.ReadLines).Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 9 && f[3] == "0A" && inodes.Contains(f[9]))
            .Select(f => int.Parse(f[1].Split(':')[1], NumberStyles.HexNumber)).Distinct().ToList();
    }
}
