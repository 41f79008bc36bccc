using System.Net;

namespace AkkaGunicorn.Http.Server;

/// <summary>What the HTTP stages know of the transport under one connection.</summary>
/// <param name="RemoteEndPoint">The peer.</param>
/// <param name="LocalEndPoint">The listening address the peer reached.</param>
/// <param name="IsClientGone">Probes, without reading, whether the peer has closed; polled while an app runs.</param>
/// <param name="HasUnreadInput">Probes whether bytes wait unread in the kernel: such a connection is busy, not idle, and is not closed for idleness.</param>
/// <param name="Tls">The TLS session, on a TLS connection (filled in by its handshake, before any request).</param>
public sealed record ConnectionInfo(EndPoint? RemoteEndPoint, EndPoint? LocalEndPoint, Func<bool>? IsClientGone = null, Func<bool>? HasUnreadInput = null,
    TlsSession? Tls = null);
