using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace AkkaGunicorn.Http.Server;

/// <summary>
/// What a connection's TLS handshake settled (and a PROXY preamble before it): known once it is done, before the first
/// request is read.
/// </summary>
public sealed class TlsSession
{
    /// <summary>
    /// The PROXY protocol preamble that came before the handshake (<c>proxy_protocol</c>: a load balancer in front of a
    /// TLS listener sends it in the clear), or null.
    /// </summary>
    public Parsing.ProxyInfo? Proxy { get; private set; }

    /// <summary>Records the PROXY preamble read before the handshake.</summary>
    public void Proxied(Parsing.ProxyInfo? proxy) => Proxy = proxy;

    /// <summary>The protocol version (TLS 1.2 or 1.3).</summary>
    public SslProtocols Protocol { get; private set; }

    /// <summary>The cipher suite.</summary>
    public TlsCipherSuite CipherSuite { get; private set; }

    /// <summary>The protocol chosen by ALPN ("http/1.1"), or "" when the client offered none.</summary>
    public string ApplicationProtocol { get; private set; } = "";

    /// <summary>The host name the client asked for (SNI), or "".</summary>
    public string HostName { get; private set; } = "";

    /// <summary>The client's certificate, when it sent one (<c>cert_reqs</c> 1 or 2) and it was verified.</summary>
    public X509Certificate2? ClientCertificate { get; private set; }

    /// <summary>Records what <paramref name="stream"/>'s completed handshake settled.</summary>
    public void Established(SslStream stream)
    {
        Protocol = stream.SslProtocol;
        CipherSuite = stream.NegotiatedCipherSuite;
        ApplicationProtocol = stream.NegotiatedApplicationProtocol.ToString();
        HostName = stream.TargetHostName;
        ClientCertificate = stream.RemoteCertificate is { } remote ? remote as X509Certificate2 ?? new X509Certificate2(remote) : null;
    }
}
