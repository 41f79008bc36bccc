using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor.Setup;
using Akka.Remote.Transport.DotNetty;
using AkkaGunicorn.Arbiter.Settings;
using AkkaGunicorn.Workers.Tls;

namespace AkkaGunicorn.Arbiter.Fleet;

/// <summary>
/// A node's cluster identity: its certificate and the CA certificates every peer's must chain to. Both ends of every
/// cluster connection present one and check the other's, so a process without a certificate from the fleet's CA
/// fails the handshake before Akka reads a byte from it.
/// </summary>
public sealed class FleetCredentials
{
    private readonly X509Certificate2Collection _authorities;

    private FleetCredentials(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        Certificate = certificate;
        _authorities = authorities;
    }

    /// <summary>This node's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Reads the files of <c>cluster.certfile</c>, <c>cluster.keyfile</c>, <c>cluster.ca_certs</c>; throws <see cref="ConfigException"/> naming the one at fault.</summary>
    public static FleetCredentials Load(ClusterSettings settings)
    {
        X509Certificate2 leaf;
        try
        {
            (leaf, _) = ServerTls.LoadCertificate(settings.CertFile, settings.KeyFile);
        }
        catch (TlsConfigurationException e)
        {
            throw new ConfigException("cluster." + e.Key, e.Value, e.Why);
        }
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(settings.CaCerts);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ConfigException("cluster.ca_certs", settings.CaCerts, $"cannot be read as PEM certificates: {e.Message}");
        }
        if (authorities.Count == 0) throw new ConfigException("cluster.ca_certs", settings.CaCerts, "holds no PEM certificate");
        var credentials = new FleetCredentials(leaf, authorities);
        if (!credentials.Admits(leaf))
            throw new ConfigException("cluster.certfile", settings.CertFile, $"is not signed by a CA in cluster.ca_certs ({settings.CaCerts}), so no other node would admit this one");
        return credentials;
    }

    /// <summary>Whether a peer's certificate chains to one of the fleet's CAs (and only to them: the system's roots vouch for nobody here).</summary>
    public bool Admits(X509Certificate? peer) => peer is not null && ServerTls.ChainsTo(peer, _authorities);

    /// <summary>Akka.Remote's TLS: present this node's certificate, demand the peer's, admit only the fleet's.</summary>
    public Setup TlsSetup() =>
        new DotNettySslSetup(Certificate, suppressValidation: false, requireMutualAuthentication: true, (certificate, _, _, _, _) => Admits(certificate));
}
