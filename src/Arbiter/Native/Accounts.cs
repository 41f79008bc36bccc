using System.ComponentModel;
using System.Runtime.InteropServices;

namespace AkkaGunicorn.Arbiter.Native;

/// <summary>Users, groups and the calls that change who a process is and how it creates files.</summary>
internal static unsafe partial class Accounts
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Passwd
    {
        public IntPtr Name, Password;
        public uint Uid, Gid;
        public IntPtr Gecos, Home, Shell;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Group
    {
        public IntPtr Name, Password;
        public uint Gid;
        public IntPtr Members;
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial Passwd* getpwnam(string name);

    [LibraryImport("libc")]
    private static partial Passwd* getpwuid(uint uid);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial Group* getgrnam(string name);

    [LibraryImport("libc")]
    private static partial Group* getgrgid(uint gid);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setgid(uint gid);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setuid(uint uid);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setgroups(nuint size, uint* list);

    [LibraryImport("libc")]
    private static partial uint getegid();

    /// <summary>The effective group id of this process.</summary>
    public static uint EffectiveGid => getegid();

    [LibraryImport("libc")]
    private static partial uint umask(uint mask);


    /// <summary>The effective user id of this process.</summary>
    public static uint EffectiveUid => Workers.Native.PeerCredentials.EffectiveUser;

    /// <summary>A user's uid and primary gid, by name or number; null if there is no such user.</summary>
    public static (uint Uid, uint Gid)? User(string nameOrId)
    {
        var entry = uint.TryParse(nameOrId, out var id) ? getpwuid(id) : getpwnam(nameOrId);
        if (entry is not null) return (entry->Uid, entry->Gid);
        return uint.TryParse(nameOrId, out id) ? (id, id) : null;
    }

    /// <summary>A group's gid, by name or number; null if there is no such group.</summary>
    public static uint? GroupId(string nameOrId)
    {
        var entry = uint.TryParse(nameOrId, out var id) ? getgrgid(id) : getgrnam(nameOrId);
        if (entry is not null) return entry->Gid;
        return uint.TryParse(nameOrId, out id) ? id : null;
    }

    /// <summary>Becomes <paramref name="uid"/>:<paramref name="gid"/> for good (group first, while still allowed).</summary>
    public static void Become(uint uid, uint gid)
    {
        if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) throw new Win32Exception(Marshal.GetLastPInvokeError());
    }

    /// <summary>Sets the file-creation mask; returns the previous one.</summary>
    public static uint SetUmask(uint mask) => umask(mask);
}
