using System.Net;

namespace AkkaGunicorn.Arbiter.Settings;

/// <summary>Where a cluster node listens or is reached: a host (name or address) and a port.</summary>
/// <param name="Host">The host as written.</param>
/// <param name="Port">The TCP port.</param>
public sealed record ClusterEndpoint(string Host, int Port)
{
    /// <summary>Whether the host is a loopback address (or <c>localhost</c>).</summary>
    public bool IsLoopback => Host == "localhost" || (IPAddress.TryParse(Host, out var address) && IPAddress.IsLoopback(address));

    /// <summary>Parses <c>HOST:PORT</c> or <c>[IPv6]:PORT</c>; null when it is neither (or the port is not 1 to 65535).</summary>
    public static ClusterEndpoint? TryParse(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], out var port) || port is < 1 or > 65535) return null;
        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        else if (host.Contains(':')) return null;
        return host.Length == 0 || host.Any(char.IsWhiteSpace) || host.IndexOfAny(['/', '@', '[', ']']) >= 0 ? null : new ClusterEndpoint(host, port);
    }

    /// <inheritdoc />
    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>The <c>cluster.*</c> settings of a node that joins a fleet.</summary>
/// <param name="Bind">Where this node's cluster transport listens.</param>
/// <param name="PublicHostname">The host other nodes reach it by, or null for <see cref="Bind"/>'s.</param>
/// <param name="SeedNodes">The nodes to join through.</param>
/// <param name="Roles">This node's roles.</param>
/// <param name="CertFile">This node's certificate (PEM).</param>
/// <param name="KeyFile">Its private key (PEM), or "" when in <paramref name="CertFile"/>.</param>
/// <param name="CaCerts">The CA certificates (PEM) that sign every node's certificate.</param>
/// <param name="DownAfter">How long a node may stay unreachable before it is downed.</param>
/// <param name="SplitBrainResolver">Akka's split brain resolver strategy.</param>
public sealed record ClusterSettings(ClusterEndpoint Bind, string? PublicHostname, IReadOnlyList<ClusterEndpoint> SeedNodes,
    IReadOnlyList<string> Roles, string CertFile, string KeyFile, string CaCerts, TimeSpan DownAfter, string SplitBrainResolver)
{
    /// <summary>The settings from validated values (see <see cref="Check"/>).</summary>
    public static ClusterSettings From(IReadOnlyDictionary<string, object> values) => new(
        ClusterEndpoint.TryParse((string)values["cluster.bind"])!,
        (string)values["cluster.public_hostname"] is { Length: > 0 } publicHost ? publicHost : null,
        ((IReadOnlyList<string>)values["cluster.seed_nodes"]).Select(s => ClusterEndpoint.TryParse(s)!).ToList(),
        (IReadOnlyList<string>)values["cluster.roles"],
        (string)values["cluster.certfile"], (string)values["cluster.keyfile"], (string)values["cluster.ca_certs"],
        TimeSpan.FromSeconds((long)values["cluster.down_after"]), (string)values["cluster.split_brain_resolver"]);

    /// <summary>
    /// Refuses a cluster configuration that cannot work or would not be private: every cluster node needs mutual TLS
    /// (a cluster port on loopback is open to every local user, so loopback is no exception).
    /// </summary>
    public static void Check(IReadOnlyDictionary<string, object> values)
    {
        if (ClusterEndpoint.TryParse((string)values["cluster.bind"]) is null)
            throw new ConfigException("cluster.bind", (string)values["cluster.bind"], "expected HOST:PORT with a port from 1 to 65535, e.g. 10.0.0.5:4053");
        foreach (var seed in (IReadOnlyList<string>)values["cluster.seed_nodes"])
            if (ClusterEndpoint.TryParse(seed) is null)
                throw new ConfigException("cluster.seed_nodes", seed, "expected HOST:PORT of a node's cluster.bind, e.g. 10.0.0.5:4053");
        foreach (var role in (IReadOnlyList<string>)values["cluster.roles"])
            if (role.Length == 0 || !role.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                throw new ConfigException("cluster.roles", role, "expected names of letters, digits, '-', '_' or '.'");
        if ((string)values["cluster.public_hostname"] is { Length: > 0 } publicHost && ClusterEndpoint.TryParse(publicHost + ":1") is null)
            throw new ConfigException("cluster.public_hostname", publicHost, "expected a host name or address");
        if (!(bool)values["cluster.enabled"]) return;
        var bind = (string)values["cluster.bind"];
        foreach (var key in new[] { "cluster.certfile", "cluster.ca_certs" })
        {
            var file = (string)values[key];
            if (file.Length == 0)
                throw new ConfigException(key, "", $"cluster.enabled needs mutual TLS: set cluster.certfile (and cluster.keyfile) to this node's certificate and cluster.ca_certs to the CA that signs every node's (cluster.bind is {bind})");
            if (!File.Exists(file)) throw new ConfigException(key, file, "no such file");
        }
        if ((string)values["cluster.keyfile"] is { Length: > 0 } keyFile && !File.Exists(keyFile))
            throw new ConfigException("cluster.keyfile", keyFile, "no such file");
    }
}
