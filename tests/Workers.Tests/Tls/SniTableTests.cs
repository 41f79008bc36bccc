using AkkaGunicorn.Workers.Tls;
using Xunit;

namespace AkkaGunicorn.Workers.Tests.Tls;

/// <summary>Which certificate a host name gets.</summary>
public sealed class SniTableTests
{
    private static readonly SniTable<string> Table = new(new Dictionary<string, string>
    {
        ["api.example.com"] = "api",
        ["*.example.com"] = "wildcard",
        ["Shop.Test"] = "shop",
    });

    [Theory]
    [InlineData("api.example.com", "api")]
    [InlineData("API.Example.com", "api")]
    [InlineData("api.example.com.", "api")]
    [InlineData("www.example.com", "wildcard")]
    [InlineData("example.com", null)]
    [InlineData("a.b.example.com", null)]
    [InlineData("shop.test", "shop")]
    [InlineData("other.test", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Exact_names_then_one_label_wildcards(string? hostName, string? expected) => Assert.Equal(expected, Table.Find(hostName));

    [Theory]
    [InlineData("api.example.com", true)]
    [InlineData("*.example.com", true)]
    [InlineData("localhost", true)]
    [InlineData("*", false)]
    [InlineData("a..b", false)]
    [InlineData("a.*.b", false)]
    [InlineData("bad name", false)]
    [InlineData("", false)]
    public void Entries_must_be_host_names(string name, bool valid) => Assert.Equal(valid, SniTable<object>.IsPattern(name));
}
