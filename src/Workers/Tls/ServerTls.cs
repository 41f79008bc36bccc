using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AkkaGunicorn.Workers.Tls;

/// <summary>
/// A server's TLS settings, loaded and checked: the certificate (PEM with its key, or PKCS#12) with its chain, who must
/// show a client certificate and whom to trust for it, the lowest protocol version, the cipher suites, the handshake's
/// deadline. The Arbiter loads it once to refuse a broken configuration at start; each worker loads it again (before it
/// drops privileges, so a key only root can read works), so a reload picks up new certificate files.
/// </summary>
public sealed class ServerTls
{
    private readonly SslServerAuthenticationOptions _options;
    private readonly SniTable<SslServerAuthenticationOptions>? _byName;

    private ServerTls(SslServerAuthenticationOptions options, SniTable<SslServerAuthenticationOptions>? byName, TimeSpan handshakeTimeout,
        X509Certificate2 certificate)
    {
        _options = options;
        _byName = byName;
        HandshakeTimeout = handshakeTimeout;
        Certificate = certificate;
    }

    /// <summary>How long a client may take to complete the handshake.</summary>
    public TimeSpan HandshakeTimeout { get; }

    /// <summary>The server's certificate.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The options every connection's handshake uses (shared: SslStream does not change them), unless <see cref="SelectsByName"/>.</summary>
    public SslServerAuthenticationOptions Options => _options;

    /// <summary>Whether the certificate depends on the host name the client asks for (SNI): then use <see cref="OptionsFor"/>.</summary>
    public bool SelectsByName => _byName is not null;

    /// <summary>The options for a client that asked for <paramref name="hostName"/> (SNI): its certificate, else the default one.</summary>
    public SslServerAuthenticationOptions OptionsFor(string? hostName) => _byName?.Find(hostName) ?? _options;

    /// <summary>
    /// Loads the settings. <paramref name="keyFile"/> may be empty when the key is in <paramref name="certFile"/> (or for
    /// PKCS#12). Throws <see cref="TlsConfigurationException"/> naming the setting at fault.
    /// </summary>
    /// <param name="certFile"><c>certfile</c>: PEM (certificate, then its chain) or PKCS#12 (.p12, .pfx, no password).</param>
    /// <param name="keyFile"><c>keyfile</c>: the PEM private key.</param>
    /// <param name="caCerts"><c>ca_certs</c>: PEM certificates trusted to sign client certificates, or empty.</param>
    /// <param name="certReqs"><c>cert_reqs</c>: 0 no client certificate, 1 optional (verified if sent), 2 required.</param>
    /// <param name="minimumVersion"><c>ssl_version</c>: "TLSv1_2" or "TLSv1_3", the lowest accepted.</param>
    /// <param name="ciphers"><c>ciphers</c>: IANA cipher suite names separated by ':' or ',', or empty for the platform's.</param>
    /// <param name="handshakeTimeout"><c>ssl_handshake_timeout</c>.</param>
    /// <param name="sniCertFiles">
    /// <c>sni_certfiles</c>: host names (exact, or <c>*.example.com</c> for one label) mapped to "CERTFILE" or
    /// "CERTFILE,KEYFILE", served to clients that ask for that name; others get <paramref name="certFile"/>'s.
    /// </param>
    /// <param name="alpn">What ALPN offers, in order (<c>http_protocols</c>); HTTP/1.1 alone by default.</param>
    public static ServerTls Load(string certFile, string keyFile, string caCerts, int certReqs, string minimumVersion, string ciphers,
        TimeSpan handshakeTimeout, IReadOnlyDictionary<string, string>? sniCertFiles = null, List<SslApplicationProtocol>? alpn = null)
    {
        alpn ??= [SslApplicationProtocol.Http11];
        var (leaf, chain) = LoadCertificate(certFile, keyFile);
        var trusted = new X509Certificate2Collection();
        if (caCerts.Length > 0)
        {
            try
            {
                trusted.ImportFromPemFile(caCerts);
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new TlsConfigurationException("ca_certs", caCerts, $"cannot be read as PEM certificates: {e.Message}");
            }
            if (trusted.Count == 0) throw new TlsConfigurationException("ca_certs", caCerts, "holds no certificate");
        }
        if (certReqs > 0 && trusted.Count == 0)
            throw new TlsConfigurationException("cert_reqs", certReqs.ToString(), "asks for client certificates, so ca_certs must name who may sign them");

        SslServerAuthenticationOptions OptionsWith(X509Certificate2 certificate, X509Certificate2Collection intermediates)
        {
            var options = new SslServerAuthenticationOptions
            {
                ServerCertificateContext = SslStreamCertificateContext.Create(certificate, intermediates, offline: true),
                EnabledSslProtocols = minimumVersion.Equals("TLSv1_3", StringComparison.OrdinalIgnoreCase)
                    ? SslProtocols.Tls13
                    : SslProtocols.Tls12 | SslProtocols.Tls13,
                ApplicationProtocols = [.. alpn],
                ClientCertificateRequired = certReqs > 0,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            };
            // Cipher suite policies exist where OpenSSL does the TLS (Linux), which is where workers run.
            if (ciphers.Length > 0 && !OperatingSystem.IsWindows()) options.CipherSuitesPolicy = new CipherSuitesPolicy(ParseCiphers(ciphers));
            if (certReqs > 0) options.RemoteCertificateValidationCallback = (_, client, _, _) => ClientTrusted(client, trusted, certReqs);
            return options;
        }

        SniTable<SslServerAuthenticationOptions>? byName = null;
        if (sniCertFiles is { Count: > 0 })
        {
            var entries = new Dictionary<string, SslServerAuthenticationOptions>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, files) in sniCertFiles)
            {
                var parts = files.Split(',', StringSplitOptions.TrimEntries);
                try
                {
                    if (!SniTable<object>.IsPattern(name)) throw new TlsConfigurationException("sni_certfiles", name, "is not a host name (or *.domain)");
                    if (parts.Length > 2) throw new TlsConfigurationException("sni_certfiles", files, "expected CERTFILE or CERTFILE,KEYFILE");
                    var (hostLeaf, hostChain) = LoadCertificate(parts[0], parts.Length > 1 ? parts[1] : "");
                    entries[name] = OptionsWith(hostLeaf, hostChain);
                }
                catch (TlsConfigurationException e)
                {
                    throw new TlsConfigurationException("sni_certfiles", $"{name} = {files}", $"({e.Key} '{e.Value}') {e.Why}");
                }
            }
            byName = new SniTable<SslServerAuthenticationOptions>(entries);
        }
        return new ServerTls(OptionsWith(leaf, chain), byName, handshakeTimeout, leaf);
    }

    /// <summary>
    /// A client certificate is trusted when it chains to one of <paramref name="trusted"/> (and nothing else: the system's
    /// roots do not vouch for clients); none at all is fine only when optional.
    /// </summary>
    private static bool ClientTrusted(X509Certificate? certificate, X509Certificate2Collection trusted, int certReqs) =>
        certificate is null ? certReqs < 2 : ChainsTo(certificate, trusted, new Oid("1.3.6.1.5.5.7.3.2")); // client authentication

    /// <summary>
    /// Whether <paramref name="certificate"/> chains to one of <paramref name="trusted"/> and to nothing else (the
    /// system's roots vouch for nobody here), for <paramref name="usage"/> when given. Revocation is not checked.
    /// </summary>
    public static bool ChainsTo(X509Certificate certificate, X509Certificate2Collection trusted, Oid? usage = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (usage is not null) chain.ChainPolicy.ApplicationPolicy.Add(usage);
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    /// <summary>A certificate with its private key (PEM files or PKCS#12) and the chain after it; throws <see cref="TlsConfigurationException"/> naming certfile or keyfile.</summary>
    public static (X509Certificate2 Leaf, X509Certificate2Collection Chain) LoadCertificate(string certFile, string keyFile)
    {
        if (certFile.Length == 0) throw new TlsConfigurationException("certfile", certFile, "is empty");
        if (certFile.EndsWith(".p12", StringComparison.OrdinalIgnoreCase) || certFile.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase))
        {
            X509Certificate2Collection all;
            try
            {
                all = X509CertificateLoader.LoadPkcs12CollectionFromFile(certFile, password: null);
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new TlsConfigurationException("certfile", certFile, $"cannot be read as PKCS#12 without a password: {e.Message}");
            }
            var withKey = all.FirstOrDefault(c => c.HasPrivateKey)
                ?? throw new TlsConfigurationException("certfile", certFile, "holds no certificate with a private key");
            all.Remove(withKey);
            return (withKey, all);
        }
        var chain = new X509Certificate2Collection();
        try
        {
            chain.ImportFromPemFile(certFile);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new TlsConfigurationException("certfile", certFile, $"cannot be read as PEM certificates: {e.Message}");
        }
        if (chain.Count == 0) throw new TlsConfigurationException("certfile", certFile, "holds no PEM certificate");
        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPemFile(certFile, keyFile.Length == 0 ? null : keyFile);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw keyFile.Length > 0
                ? new TlsConfigurationException("keyfile", keyFile, $"is not a PEM private key of certfile's certificate: {e.Message}")
                : new TlsConfigurationException("certfile", certFile, $"holds no private key for its certificate (or name one in keyfile): {e.Message}");
        }
        return (leaf, new X509Certificate2Collection(chain.Where(c => c.Thumbprint != leaf.Thumbprint).ToArray()));
    }

    private static TlsCipherSuite[] ParseCiphers(string ciphers) =>
        ciphers.Split([':', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(name => Enum.TryParse<TlsCipherSuite>(name, ignoreCase: false, out var suite)
                ? suite
                : throw new TlsConfigurationException("ciphers", ciphers, $"'{name}' is not a TLS cipher suite's IANA name (e.g. TLS_AES_128_GCM_SHA256)"))
            .ToArray();
}

/// <summary>A TLS setting that cannot work: names the setting, its value and why.</summary>
public sealed class TlsConfigurationException(string key, string value, string why)
    : Exception($"setting '{key}' = '{value}' {why}")
{
    /// <summary>The setting at fault.</summary>
    public string Key { get; } = key;

    /// <summary>Its value.</summary>
    public string Value { get; } = value;

    /// <summary>What is wrong with it.</summary>
    public string Why { get; } = why;
}
