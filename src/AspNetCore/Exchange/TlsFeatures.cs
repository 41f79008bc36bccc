using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace AkkaGunicorn.AspNetCore.Exchange;

/// <summary>
/// TLS, on a TLS connection only (as on Kestrel): the client certificate (<c>HttpContext.Connection.ClientCertificate</c>)
/// and what the handshake settled. <c>Request.IsHttps</c> follows from the scheme. An object of its own, made for TLS
/// connections only: implemented by the connection's <see cref="ExchangeFeatures{TContext}"/>, these interfaces loaded
/// System.Net.Security into every worker of an ASP.NET Core app, with TLS or without (0.6 MB).
/// </summary>
internal sealed class TlsFeatures(Http.Server.TlsSession tls) : ITlsConnectionFeature, ITlsHandshakeFeature
{
    /// <summary>The connection's session.</summary>
    public Http.Server.TlsSession Tls { get; } = tls;

    // ITlsConnectionFeature
    public X509Certificate2? ClientCertificate
    {
        get => Tls.ClientCertificate;
        set => throw new NotSupportedException("The client certificate is the connection's; it cannot be set.");
    }

    public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult(Tls.ClientCertificate);

    // ITlsHandshakeFeature
    SslProtocols ITlsHandshakeFeature.Protocol => Tls.Protocol;

    System.Net.Security.TlsCipherSuite? ITlsHandshakeFeature.NegotiatedCipherSuite => Tls.CipherSuite;

    string ITlsHandshakeFeature.HostName => Tls.HostName;

#pragma warning disable SYSLIB0058 // Obsolete since .NET 10 in favour of NegotiatedCipherSuite; what Kestrel answers where it has no value.
    CipherAlgorithmType ITlsHandshakeFeature.CipherAlgorithm => CipherAlgorithmType.None;

    int ITlsHandshakeFeature.CipherStrength => 0;

    HashAlgorithmType ITlsHandshakeFeature.HashAlgorithm => HashAlgorithmType.None;

    int ITlsHandshakeFeature.HashStrength => 0;

    ExchangeAlgorithmType ITlsHandshakeFeature.KeyExchangeAlgorithm => ExchangeAlgorithmType.None;

    int ITlsHandshakeFeature.KeyExchangeStrength => 0;
#pragma warning restore SYSLIB0058
}
