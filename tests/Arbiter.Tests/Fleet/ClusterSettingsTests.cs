using Akka.Configuration;
using AkkaGunicorn.Arbiter.Fleet;
using AkkaGunicorn.Arbiter.Settings;
using Xunit;

namespace AkkaGunicorn.Arbiter.Tests.Fleet;

/// <summary>The cluster.* settings: how they are written, what is refused, and the Akka configuration they make.</summary>
public sealed class ClusterSettingsTests
{
    [Theory]
    [InlineData("10.0.0.5:4053", "10.0.0.5", 4053)]
    [InlineData("node-1.example.com:2552", "node-1.example.com", 2552)]
    [InlineData("[fd00::5]:4053", "fd00::5", 4053)]
    public void Endpoints_parse(string text, string host, int port) => Assert.Equal(new ClusterEndpoint(host, port), ClusterEndpoint.TryParse(text));

    [Theory]
    [InlineData("10.0.0.5")]
    [InlineData("10.0.0.5:0")]
    [InlineData(":4053")]
    [InlineData("fd00::5:4053")]
    [InlineData("akka.tcp://x@10.0.0.5:4053")]
    public void Bad_endpoints_do_not(string text) => Assert.Null(ClusterEndpoint.TryParse(text));

    [Fact]
    public void A_cluster_block_in_the_file_sets_the_dotted_keys_and_makes_the_akka_configuration()
    {
        var file = Path.GetTempFileName();
        var cert = Path.GetTempFileName();
        File.WriteAllText(file, $$"""
            cluster {
              enabled = true
              bind = "10.0.0.5:4053"
              seed_nodes = ["10.0.0.5:4053", "10.0.0.6:4053"]
              roles = [web, canary]
              certfile = "{{cert}}"
              ca_certs = "{{cert}}"
              down_after = 7
            }
            """);
        var settings = SettingsLoader.Load(file, new Dictionary<string, object>()).Cluster!;
        Assert.Equal(new ClusterEndpoint("10.0.0.5", 4053), settings.Bind);
        Assert.Equal(["web", "canary"], settings.Roles);
        Assert.Equal(TimeSpan.FromSeconds(7), settings.DownAfter);

        var akka = ConfigurationFactory.ParseString(FleetConfig.For(settings, "info"));
        Assert.Equal("cluster", akka.GetString("akka.actor.provider"));
        Assert.Equal(["akka.ssl.tcp://akkagunicorn@10.0.0.5:4053", "akka.ssl.tcp://akkagunicorn@10.0.0.6:4053"], akka.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal(["web", "canary"], akka.GetStringList("akka.cluster.roles"));
        Assert.Equal("keep-majority", akka.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Equal(TimeSpan.FromSeconds(7), akka.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
        Assert.True(akka.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
        Assert.Equal(4053, akka.GetInt("akka.remote.dot-netty.tcp.port"));
        // The rendered configuration reads back the same.
        var rendered = Path.GetTempFileName();
        File.WriteAllText(rendered, SettingsLoader.ToHocon(SettingsLoader.Load(file, new Dictionary<string, object>())));
        Assert.Equal(settings.SeedNodes, SettingsLoader.Load(rendered, new Dictionary<string, object>()).Cluster!.SeedNodes);
        foreach (var path in new[] { file, cert, rendered }) File.Delete(path);
    }

    [Fact]
    public void Off_by_default_and_an_unknown_key_in_the_block_is_named()
    {
        Assert.Null(SettingsLoader.Load(null, new Dictionary<string, object>()).Cluster);
        var file = Path.GetTempFileName();
        File.WriteAllText(file, "cluster { seeds = [\"10.0.0.5:4053\"] }\n");
        var error = Assert.Throws<ConfigException>(() => SettingsLoader.Load(file, new Dictionary<string, object>()));
        Assert.StartsWith("setting 'cluster.seeds'", error.Message);
        Assert.Contains("unknown setting", error.Message);
        File.Delete(file);
    }
}
