using System.ComponentModel;
using System.Runtime.InteropServices;

namespace AkkaGunicorn.Arbiter.Native;

/// <summary>What a path itself is (a link is not followed): its owner, mode and kind, as the kernel has them.</summary>
/// <param name="Uid">The owner.</param>
/// <param name="Gid">The group.</param>
/// <param name="Mode">Type and permission bits (<c>st_mode</c>).</param>
/// <param name="Inode">The inode, to tell one file from another that later takes its name.</param>
internal readonly partial record struct FileStatus(uint Uid, uint Gid, uint Mode, ulong Inode)
{
    private const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, STATX_BASIC_STATS = 0x7ff, ENOENT = 2, ENOTDIR = 20;
    private const uint S_IFMT = 0xF000, S_IFSOCK = 0xC000, S_IFLNK = 0xA000, S_IFREG = 0x8000, S_IFDIR = 0x4000;

    // statx's layout is the same on every architecture, unlike struct stat's.
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, Span<byte> buffer);

    /// <summary>The status of <paramref name="path"/>, or null when nothing is there.</summary>
    public static FileStatus? Of(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buffer) != 0)
        {
            int error = Marshal.GetLastPInvokeError();
            if (error is ENOENT or ENOTDIR) return null;
            throw new Win32Exception(error, $"{path}: {new Win32Exception(error).Message}");
        }
        return new FileStatus(BitConverter.ToUInt32(buffer[20..]), BitConverter.ToUInt32(buffer[24..]),
            BitConverter.ToUInt16(buffer[28..]), BitConverter.ToUInt64(buffer[32..]));
    }

    /// <summary>Permission bits only.</summary>
    public uint Permissions => Mode & 0xFFF;

    public bool IsSocket => (Mode & S_IFMT) == S_IFSOCK;

    public bool IsLink => (Mode & S_IFMT) == S_IFLNK;

    public bool IsRegular => (Mode & S_IFMT) == S_IFREG;

    public bool IsDirectory => (Mode & S_IFMT) == S_IFDIR;

    /// <summary>What the path is, in words, for an error message.</summary>
    public string Kind => (Mode & S_IFMT) switch
    {
        S_IFSOCK => "a socket",
        S_IFLNK => "a symbolic link",
        S_IFREG => "a regular file",
        S_IFDIR => "a directory",
        _ => "a special file",
    };
}
