using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AkkaGunicorn.Workers.Protocol;

/// <summary>
/// The key and certificate of one run of the server: made by the Arbiter at start, handed to each worker through its
/// boot channel, presented by both ends of every remoting connection, and the only certificate either end accepts.
/// Holding it is what makes a process part of this run; nothing is read from or written to a file.
/// </summary>
public sealed class RunCredentials : IDisposable
{
    private readonly byte[] _pin;

    private RunCredentials(X509Certificate2 certificate)
    {
        Certificate = certificate;
        _pin = certificate.GetCertHash(HashAlgorithmName.SHA256);
    }

    /// <summary>The certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Makes a fresh key and self-signed certificate.</summary>
    public static RunCredentials Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=akkagunicorn-run-{Environment.ProcessId}", key, HashAlgorithmName.SHA256);
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(100));
        // Round-trip through PKCS#12 so that the Arbiter uses the certificate exactly as its workers will.
        return Import(made.Export(X509ContentType.Pkcs12));
    }

    /// <summary>The credentials as PKCS#12 bytes, for a worker's boot channel.</summary>
    public byte[] Export() => Certificate.Export(X509ContentType.Pkcs12);

    /// <summary>Credentials from <see cref="Export"/>'s bytes.</summary>
    public static RunCredentials Import(byte[] pkcs12)
    {
        var certificate = X509CertificateLoader.LoadPkcs12(pkcs12, null);
        if (!certificate.HasPrivateKey) throw new CryptographicException("The run credentials lack their private key.");
        return new RunCredentials(certificate);
    }

    /// <summary>Whether <paramref name="peer"/> is this run's certificate (and not merely one like it).</summary>
    public bool Admits(X509Certificate? peer) =>
        peer is not null && CryptographicOperations.FixedTimeEquals(peer.GetCertHash(HashAlgorithmName.SHA256), _pin);

    /// <inheritdoc />
    public void Dispose() => Certificate.Dispose();
}
