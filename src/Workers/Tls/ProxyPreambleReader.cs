using System.Net.Sockets;
using AkkaGunicorn.Http.Parsing;
using AkkaGunicorn.Http.Server;

namespace AkkaGunicorn.Workers.Tls;

/// <summary>
/// Reads a PROXY protocol preamble that precedes a TLS handshake (a load balancer in front of a TLS listener sends it in
/// the clear), records it on the session, and hands back to the TLS stream whatever came after it in the same read.
/// </summary>
internal static class ProxyPreambleReader
{
    // Enough for any version 1 preamble and most version 2 ones in one read; a longer one grows the buffer once or twice.
    private const int FirstRead = 512;

    /// <summary>
    /// Reads the preamble (optional, as on plain connections). Throws <see cref="IOException"/> for a malformed one, one
    /// from a peer <paramref name="allowed"/> does not list, or a connection that ends first.
    /// </summary>
    public static async Task ReadAsync(TlsTransport transport, IpAllowList allowed, CancellationToken cancellationToken)
    {
        var buffer = new byte[FirstRead];
        int filled = 0;
        while (true)
        {
            int n = await transport.Socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken);
            if (n == 0) throw new IOException("the connection ended before its PROXY preamble or TLS handshake");
            filled += n;
            switch (ProxyProtocolParser.TryParse(buffer.AsSpan(0, filled), out int consumed, out var info))
            {
                case ProxyPreamble.NeedMore:
                    // The parser caps a preamble's length, so the buffer never outgrows the largest one allowed.
                    if (filled == buffer.Length) Array.Resize(ref buffer, Math.Min(buffer.Length * 4, 16 + ProxyProtocolParser.V2MaxBody));
                    continue;
                case ProxyPreamble.Absent:
                    transport.Unread(buffer.AsMemory(0, filled));
                    return;
                case ProxyPreamble.Parsed when !allowed.Allows(transport.Socket.RemoteEndPoint):
                    throw new IOException($"a PROXY preamble from {transport.Socket.RemoteEndPoint}, which proxy_allow_ips does not list");
                case ProxyPreamble.Parsed:
                    transport.Session.Proxied(info);
                    transport.Unread(buffer.AsMemory(consumed, filled - consumed));
                    return;
                default:
                    throw new IOException("a malformed PROXY preamble");
            }
        }
    }
}
