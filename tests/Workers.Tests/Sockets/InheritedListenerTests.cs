using AkkaGunicorn.Workers.Sockets;
using Xunit;

namespace AkkaGunicorn.Workers.Tests.Sockets;

/// <summary>How a worker names the listeners it inherited.</summary>
public sealed class InheritedListenerTests
{
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
}
