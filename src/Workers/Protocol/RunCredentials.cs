using System.Buffers.Binary;
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
    private readonly byte[] _exported;

    private RunCredentials(X509Certificate2 certificate, byte[] exported)
    {
        Certificate = certificate;
        _exported = exported;
        _pin = certificate.GetCertHash(HashAlgorithmName.SHA256);
    }

    /// <summary>The certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Makes a fresh key and self-signed certificate.</summary>
    public static RunCredentials Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=akkagunicorn-run-{Environment.ProcessId}", key, HashAlgorithmName.SHA256);
        var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(100));
        return new RunCredentials(made, Pack(made.RawData, key.ExportPkcs8PrivateKey()));
    }

    /// <summary>
    /// The credentials as bytes for a worker's boot channel: the certificate (DER) and the private key (PKCS#8), the
    /// first prefixed with its length. Not PKCS#12: its key derivations and the round trips through it cost the
    /// Arbiter and every worker some 20 ms each of a start-up, and the bytes travel in a pipe only the worker holds.
    /// </summary>
    public byte[] Export() => (byte[])_exported.Clone();

    /// <summary>Credentials from <see cref="Export"/>'s bytes; a <see cref="CryptographicException"/> when they are not that.</summary>
    public static RunCredentials Import(byte[] exported)
    {
        if (exported.Length < sizeof(int)) throw new CryptographicException("The run credentials are truncated.");
        int certificateLength = BinaryPrimitives.ReadInt32LittleEndian(exported);
        if (certificateLength <= 0 || certificateLength > exported.Length - sizeof(int))
            throw new CryptographicException("The run credentials are truncated.");
        var der = exported.AsSpan(sizeof(int), certificateLength);
        var pkcs8 = exported.AsSpan(sizeof(int) + certificateLength);
        if (pkcs8.IsEmpty) throw new CryptographicException("The run credentials lack their private key.");
        using var certificate = X509CertificateLoader.LoadCertificate(der);
        using var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(pkcs8, out _);
        try
        {
            return new RunCredentials(certificate.CopyWithPrivateKey(key), exported.ToArray());
        }
        catch (ArgumentException)
        {
            throw new CryptographicException("The run credentials' key is not their certificate's.");
        }
    }

    private static byte[] Pack(byte[] der, byte[] pkcs8)
    {
        var packed = new byte[sizeof(int) + der.Length + pkcs8.Length];
        BinaryPrimitives.WriteInt32LittleEndian(packed, der.Length);
        der.CopyTo(packed, sizeof(int));
        pkcs8.CopyTo(packed, sizeof(int) + der.Length);
        return packed;
    }

    /// <summary>Whether <paramref name="peer"/> is this run's certificate (and not merely one like it).</summary>
    public bool Admits(X509Certificate? peer) =>
        peer is not null && CryptographicOperations.FixedTimeEquals(peer.GetCertHash(HashAlgorithmName.SHA256), _pin);

    /// <inheritdoc />
    public void Dispose() => Certificate.Dispose();
}
