using System.Globalization;

namespace AkkaGunicorn.Arbiter.Native;

/// <summary>Which TCP ports something listens on in this network namespace, from /proc/net/tcp and tcp6.</summary>
internal static class TcpListeners
{
    /// <summary>
    /// Whether any socket listens on <paramref name="port"/>. Reading the kernel's table disturbs nobody, where a
    /// probing connection would reach (and be logged by) whoever listens.
    /// </summary>
    public static bool AnyOn(int port) =>
        new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists).SelectMany(File.ReadLines).Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(fields => fields.Length > 3 && fields[3] == "0A" && fields[1].Split(':') is [_, var hex]
                && int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port);
}
