using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Http.Tests.Conformance;
using AkkaGunicorn.Http.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace AkkaGunicorn.Http.Tests.Fuzzing;

/// <summary>
/// Properties of the HTTP stages over generated input, checked with FsCheck (shrinking finds the smallest failure):
/// any split of any corpus request gets the answer Gunicorn's suite expects, and any mutation of one gets whole,
/// valid responses and a close, never a hang or a failed stream. AG_FUZZ_RUNS sets how many cases each property
/// tries (bench/fuzz.sh runs many more than the tests do).
/// </summary>
public sealed class ParserProperties : TestKit
{
    private static readonly int Runs = int.TryParse(Environment.GetEnvironmentVariable("AG_FUZZ_RUNS"), out var n) ? n : 300;

    private static readonly IReadOnlyList<ConformanceCase> Cases = ConformanceCase.All;

    private static Config Checked => Config.QuickThrowOnFailure.WithMaxTest(Runs).WithQuietOnSuccess(true);

    [Fact]
    public void Any_split_of_any_corpus_request_gets_the_expected_answer()
    {
        var cases = Gen.Choose(0, Cases.Count - 1);
        var cuts = Gen.ListOf(Gen.Choose(1, 64));
        Check.One(Checked, Prop.ForAll(Arb.From(cases.Zip(cuts)), pick =>
        {
            var (index, sizes) = pick;
            var c = Cases[index];
            var output = Serve(c.Options(), ByteEdits.Split(c.Raw, sizes), out int calls);
            ConformanceAssert.Matches(c, HttpResponseReader.ReadAll(output), closed: true, calls);
        }));
    }

    [Fact]
    public void Any_mutation_of_a_corpus_request_gets_whole_responses_and_a_close()
    {
        var edits = Gen.ListOf(Gen.Choose(0, 2).Zip(Gen.Choose(0, int.MaxValue)).Zip(Gen.Choose(0, 255)));
        var mutations = Gen.Choose(0, Cases.Count - 1).Zip(edits).Zip(Gen.ListOf(Gen.Choose(1, 64)));
        Check.One(Checked, Prop.ForAll(Arb.From(mutations), pick =>
        {
            var ((index, changes), sizes) = pick;
            var c = Cases[index];
            var raw = ByteEdits.Mutate(c.Raw, changes);
            var output = Serve(c.Options(), ByteEdits.Split(raw, sizes), out _);
            AssertWholeResponses(output);
        }));
    }

    /// <summary>The bytes through parser, Echo app and writer; the client's input then ends. Must complete within 10 s.</summary>
    private byte[] Serve(HttpServerOptions options, List<byte[]> pieces, out int appCalls)
    {
        var app = new CountingApp(new Echo.EchoApp());
        var connection = new ConnectionInfo(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 40000), new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 8000));
        var output = Source.From(pieces.Select(b => (ReadOnlyMemory<byte>)b))
            .Via(HttpServerBlueprint.Create(app, options, new ServerState(), connection))
            .Select(m => m.ToArray())
            .RunAggregate(new List<byte>(), (all, chunk) => { all.AddRange(chunk); return all; }, Sys.Materializer())
            .WaitAsync(TimeSpan.FromSeconds(10))
            .GetAwaiter().GetResult();
        appCalls = app.Calls;
        return output.ToArray();
    }

    private static void AssertWholeResponses(byte[] output)
    {
        int offset = 0;
        while (offset < output.Length)
        {
            int start = offset;
            Assert.True(output.AsSpan(offset).StartsWith("HTTP/1.1 "u8), $"not a status line at {offset}: {TestApp.Text(output[offset..])}");
            // A HEAD answer has no body whatever its Content-Length says.
            if (!HttpResponseReader.TryRead(output, ref offset, out var response, connectionClosed: true) &&
                !HttpResponseReader.TryRead(output, ref offset, out response, connectionClosed: true, headRequest: true))
                Assert.Fail($"a partial response at {start}: {TestApp.Text(output[start..])}");
            Assert.InRange(response!.Status, 100, 599);
        }
    }
}
