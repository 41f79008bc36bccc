using System.ComponentModel;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace AkkaGunicorn.Workers.Native;

/// <summary>Who is at the other end of a Unix socket, as the kernel recorded it at connect (SO_PEERCRED).</summary>
/// <param name="Pid">The peer's process.</param>
/// <param name="Uid">Its effective user.</param>
/// <param name="Gid">Its effective group.</param>
public readonly partial record struct PeerCredentials(int Pid, uint Uid, uint Gid)
{
    private const int SOL_SOCKET = 1, SO_PEERCRED = 17;

    [LibraryImport("libc")]
    private static partial uint geteuid();

    /// <summary>This process's effective user.</summary>
    public static uint EffectiveUser => geteuid();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getsockopt(nint socket, int level, int name, Span<byte> value, ref int length);

    /// <summary>The credentials of <paramref name="socket"/>'s peer.</summary>
    public static PeerCredentials Of(Socket socket)
    {
        Span<byte> ucred = stackalloc byte[12];
        int length = ucred.Length;
        if (getsockopt(socket.Handle, SOL_SOCKET, SO_PEERCRED, ucred, ref length) != 0) throw new Win32Exception(Marshal.GetLastPInvokeError());
        return new PeerCredentials(BitConverter.ToInt32(ucred), BitConverter.ToUInt32(ucred[4..]), BitConverter.ToUInt32(ucred[8..]));
    }

    /// <summary>Whether the peer process belongs to group <paramref name="gid"/>, as its effective or a supplementary group.</summary>
    public bool InGroup(uint gid)
    {
        if (Gid == gid) return true;
        try
        {
            var groups = File.ReadLines($"/proc/{Pid}/status").FirstOrDefault(l => l.StartsWith("Groups:", StringComparison.Ordinal));
            return groups is not null && groups[7..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(gid.ToString());
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The parent of process <paramref name="pid"/>, or -1 once it is gone (or unreadable).</summary>
    public static int ParentOf(int pid)
    {
        try
        {
            return ParentInStat(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (IOException)
        {
            return -1;
        }
        catch (UnauthorizedAccessException)
        {
            return -1;
        }
    }

    /// <summary>
    /// The parent pid in a <c>/proc/PID/stat</c> line: the field after the state, which follows the command name's
    /// closing parenthesis. Counted from the last one, since a command name may hold spaces and parentheses itself.
    /// </summary>
    public static int ParentInStat(string stat)
    {
        int end = stat.LastIndexOf(')');
        var fields = stat[(end + 1)..].Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        return end >= 0 && fields.Length >= 2 && int.TryParse(fields[1], out int parent) ? parent : -1;
    }
}
