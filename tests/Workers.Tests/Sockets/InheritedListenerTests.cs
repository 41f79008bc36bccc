using AkkaGunicorn.Workers.Sockets;
using Xunit;

namespace AkkaGunicorn.Workers.Tests.Sockets;

/// <summary>How the Arbiter hands its listeners to a worker, in an environment variable.</summary>
public sealed class InheritedListenerTests
{
    [Fact]
    public void Listeners_survive_the_round_trip_with_their_tls()
    {
        InheritedListener[] listeners = [new(3, "127.0.0.1:8000"), new(4, "[::1]:8443", Tls: true), new(5, "unix:/run/a=b.sock")];
        var text = InheritedListener.Format(listeners);
        Assert.Equal("3=127.0.0.1:8000;4+tls=[::1]:8443;5=unix:/run/a=b.sock", text);
        Assert.Equal(listeners, InheritedListener.Parse(text));
    }

    [Theory]
    [InlineData("127.0.0.1:8000", false, "http://127.0.0.1:8000")]
    [InlineData("127.0.0.1:8443", true, "https://127.0.0.1:8443")]
    [InlineData("unix:/run/http.sock", false, "unix:/run/http.sock")]
    public void The_url_says_the_scheme(string name, bool tls, string url) => Assert.Equal(url, new InheritedListener(3, name, tls).Url);

    [Theory]
    [InlineData("127.0.0.1:8443", true, "https://127.0.0.1:8443")]
    [InlineData("unix:/run/http.sock", false, "http://unix:/run/http.sock")]
    public void The_server_address_is_always_a_url_as_kestrels_are(string name, bool tls, string address) =>
        Assert.Equal(address, new InheritedListener(3, name, tls).ServerAddress);

    [Theory]
    [InlineData("x=127.0.0.1:1")]
    [InlineData("3+ssl=127.0.0.1:1")]
    [InlineData("127.0.0.1:1")]
    public void A_bad_entry_is_refused(string text) => Assert.Throws<FormatException>(() => InheritedListener.Parse(text));
}
