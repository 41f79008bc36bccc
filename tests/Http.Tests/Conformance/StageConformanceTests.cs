using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Http.Tests.Support;
using Xunit;

namespace AkkaGunicorn.Http.Tests.Conformance;

/// <summary>
/// Every Gunicorn case through the HTTP stages (parser, app stage, writer) with the Echo app, the bytes
/// fed whole, byte by byte, and in random splits: every split must give the same answer.
/// </summary>
public sealed class StageConformanceTests : TestKit
{
    public static TheoryData<string> Cases => new(ConformanceCase.All.Select(c => c.ToString()));

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Whole(string name) => await Run(name, raw => [raw]);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Byte_by_byte(string name) => await Run(name, raw => raw.Select(b => new[] { b }).ToList());

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Random_splits(string name)
    {
        for (int seed = 1; seed <= 3; seed++)
        {
            var random = new Random(seed * 7919 + name.Length);
            await Run(name, raw => Split(raw, random));
        }
    }

    private static List<byte[]> Split(byte[] raw, Random random)
    {
        var pieces = new List<byte[]>();
        for (int i = 0; i < raw.Length;)
        {
            int n = Math.Min(raw.Length - i, random.Next(1, 40));
            pieces.Add(raw[i..(i + n)]);
            i += n;
        }
        return pieces;
    }

    private async Task Run(string name, Func<byte[], List<byte[]>> split)
    {
        var c = ConformanceCase.All.Single(x => x.ToString() == name);
        var app = new CountingApp(new Echo.EchoApp());
        var connection = new ConnectionInfo(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 40000), new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 8000));
        var output = await Source.From(split(c.Raw).Select(b => (ReadOnlyMemory<byte>)b))
            .Via(HttpServerBlueprint.Create(app, c.Options(), new ServerState(), connection))
            // The writer reuses its buffer once pulled again: copy each element before asking for the next.
            .Select(m => m.ToArray())
            .RunAggregate(new List<byte>(), (all, chunk) => { all.AddRange(chunk); return all; }, Sys.Materializer())
            .WaitAsync(TimeSpan.FromSeconds(10));
        // The stream completing is the connection closing.
        ConformanceAssert.Matches(c, HttpResponseReader.ReadAll(output.ToArray()), closed: true, app.Calls);
    }
}
