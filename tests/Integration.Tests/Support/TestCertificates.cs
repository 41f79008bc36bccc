using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AkkaGunicorn.Integration.Tests.Support;

/// <summary>
/// A certificate authority made for one test, with server and client certificates it signs, written as PEM files in a
/// private temporary directory that disposing removes.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly X509Certificate2 _ca;

    public TestCertificates()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("ag-tls-").FullName;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=AkkaGunicorn test CA", caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(30));
        CaFile = Write("ca.pem", _ca.ExportCertificatePem());
    }

    /// <summary>Where the files are.</summary>
    public string Directory { get; }

    /// <summary>The CA's certificate (PEM).</summary>
    public string CaFile { get; }

    /// <summary>The CA, for clients that must trust it.</summary>
    public X509Certificate2 Ca => _ca;

    /// <summary>Whether <paramref name="certificate"/> chains to this CA (and nothing else: not to the system's roots).</summary>
    public bool Signed(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    /// <summary>
    /// Issues a certificate for a server at 127.0.0.1 and localhost, or at <paramref name="dnsNames"/> when given:
    /// (certificate PEM file, key PEM file, the certificate).
    /// </summary>
    public (string CertFile, string KeyFile, X509Certificate2 Certificate) Server(string name = "server", params string[] dnsNames)
    {
        var san = new SubjectAlternativeNameBuilder();
        if (dnsNames.Length == 0)
        {
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
        }
        foreach (var dns in dnsNames) san.AddDnsName(dns);
        return Issue(name, $"CN={name}", san.Build(), new Oid("1.3.6.1.5.5.7.3.1"));
    }

    /// <summary>Issues a client certificate: (certificate PEM file, key PEM file, the certificate with its key).</summary>
    public (string CertFile, string KeyFile, X509Certificate2 Certificate) Client(string name = "client") =>
        Issue(name, $"CN={name}", null, new Oid("1.3.6.1.5.5.7.3.2"));

    /// <summary>Issues a cluster node's certificate, which serves both ends of a connection: (certificate PEM file, key PEM file, the certificate).</summary>
    public (string CertFile, string KeyFile, X509Certificate2 Certificate) Node(string name) =>
        Issue(name, $"CN={name}", null, new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2"));

    private (string, string, X509Certificate2) Issue(string name, string subject, X509Extension? san, params Oid[] usage)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([.. usage], false));
        if (san is not null) request.CertificateExtensions.Add(san);
        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(_ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
        var withKey = issued.CopyWithPrivateKey(key);
        var certFile = Write($"{name}.pem", withKey.ExportCertificatePem());
        var keyFile = Write($"{name}-key.pem", key.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile, withKey);
    }

    private string Write(string name, string pem)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, pem);
        return path;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
