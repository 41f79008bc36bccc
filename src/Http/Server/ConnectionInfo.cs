using System.Net;

namespace AkkaGunicorn.Http.Server;

/// <summary>What the HTTP stages know of the transport under one connection.</summary>
/// <param name="RemoteEndPoint">The peer.</param>
/// <param name="LocalEndPoint">The listening address the peer reached.</param>
/// <param name="IsClientGone">Probes, without reading, whether the peer has closed; polled while an app runs.</param>
public sealed record ConnectionInfo(EndPoint? RemoteEndPoint, EndPoint? LocalEndPoint, Func<bool>? IsClientGone = null);
