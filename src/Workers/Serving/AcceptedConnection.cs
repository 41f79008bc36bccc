using System.Net.Sockets;
using AkkaGunicorn.Workers.Tls;

namespace AkkaGunicorn.Workers.Serving;

/// <summary>A connection just accepted, with the TLS its listener speaks (null: plain HTTP).</summary>
/// <param name="Socket">The connection's socket.</param>
/// <param name="Tls">The server's TLS settings when the listener it came from speaks TLS, else null.</param>
public readonly record struct AcceptedConnection(Socket Socket, ServerTls? Tls);
