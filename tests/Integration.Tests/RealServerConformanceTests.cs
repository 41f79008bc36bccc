using AkkaGunicorn.Integration.Tests.Support;
using Xunit;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>One real server (two worker processes, the Echo app) for the conformance cases.</summary>
public sealed class EchoServerFixture : IAsyncLifetime
{
    public ServerProcess Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await ServerProcess.StartServingAsync(Paths.Echo, workers: 2);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Gunicorn's request cases over real sockets against a real AkkaGunicorn with the Echo app.</summary>
public sealed class RealServerConformanceTests(EchoServerFixture fixture) : IClassFixture<EchoServerFixture>
{
    // Cases with a non-default setting run against in-process servers configured for them (Http.Tests).
    public static TheoryData<string> Cases => new(ConformanceCase.All.Where(c => c.Config.Count == 0).Select(c => c.ToString()));

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Case(string name)
    {
        var c = ConformanceCase.All.Single(x => x.ToString() == name);
        var (responses, closed) = await SocketExchange.RunAsync(fixture.Server.Port, c);
        ConformanceAssert.Matches(c, responses, closed, appCalls: -1);
    }
}
