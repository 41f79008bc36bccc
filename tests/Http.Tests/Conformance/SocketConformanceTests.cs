using AkkaGunicorn.Http.Tests.Support;
using Xunit;

namespace AkkaGunicorn.Http.Tests.Conformance;

/// <summary>Every Gunicorn case over a real loopback socket, with the settings the case asks for.</summary>
public sealed class SocketConformanceTests
{
    public static TheoryData<string> Cases => new(ConformanceCase.All.Select(c => c.ToString()));

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Case(string name)
    {
        var c = ConformanceCase.All.Single(x => x.ToString() == name);
        var app = new CountingApp(new Echo.EchoApp());
        await using var server = new InProcessServer(app, c.Options());
        var (responses, closed) = await SocketExchange.RunAsync(server.Port, c);
        ConformanceAssert.Matches(c, responses, closed, app.Calls);
    }
}
