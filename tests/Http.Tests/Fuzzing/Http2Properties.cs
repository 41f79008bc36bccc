using System.Buffers.Binary;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Http2;
using AkkaGunicorn.Http.Http2.Frames;
using AkkaGunicorn.Http.Server;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace AkkaGunicorn.Http.Tests.Fuzzing;

/// <summary>
/// The HTTP/2 connection stage over mutated client input: a valid session (settings, a GET, a POST with a body, a header
/// block split over CONTINUATION, pings, window updates, resets) with bytes replaced, inserted or deleted after the
/// preface, cut into random pieces. Whatever arrives, the stage answers in whole frames, ends with GOAWAY, and neither
/// fails nor hangs. AG_FUZZ_RUNS sets how many cases it tries.
/// </summary>
public sealed class Http2Properties : TestKit
{
    private static readonly int Runs = int.TryParse(Environment.GetEnvironmentVariable("AG_FUZZ_RUNS"), out var n) ? n : 150;

    private static Config Checked => Config.QuickThrowOnFailure.WithMaxTest(Runs).WithQuietOnSuccess(true);

    // :method GET / POST, :scheme http, :path /, :authority www.example.com (RFC 7541 C.3.1), then a field with a dynamic
    // table entry, so that mutations reach the table too.
    private static readonly byte[] Get = Convert.FromHexString("828684410f7777772e6578616d706c652e636f6d400a637573746f6d2d6b65790c637573746f6d2d76616c7565");
    private static readonly byte[] Post = Convert.FromHexString("838684be");

    private static readonly byte[] Session =
    [
        .. FrameHeader.ClientPreface,
        .. Frame(4, 0, 0, [0, 4, 0, 0, 0x40, 0, 0, 1, 0, 0, 0x10, 0]),
        .. Frame(1, 0x5, 1, Get),
        .. Frame(1, 0x4, 3, Post),
        .. Frame(0, 0, 3, "hello "u8.ToArray()),
        .. Frame(8, 0, 3, [0, 0, 1, 0]),
        .. Frame(0, 0x1, 3, "world"u8.ToArray()),
        .. Frame(1, 0x1, 5, Get[..10]),
        .. Frame(9, 0x4, 5, Get[10..]),
        .. Frame(6, 0, 0, new byte[8]),
        .. Frame(8, 0, 0, [0, 1, 0, 0]),
        .. Frame(1, 0x4, 7, Post),
        .. Frame(3, 0, 7, [0, 0, 0, 8]),
        .. Frame(2, 0, 9, [0, 0, 0, 1, 16]),
    ];

    [Fact]
    public void The_unmutated_session_is_answered_on_every_stream()
    {
        var frames = Frames(Serve([Session]));
        foreach (int stream in new[] { 1, 3, 5 })
            Assert.Contains(frames, f => f.Stream == stream && f.Type == 1 && f.Payload.Length > 0);
        Assert.Equal(7, frames[^1].Type);
    }

    [Fact]
    public void Any_mutation_of_a_session_gets_whole_frames_and_a_goaway()
    {
        var edits = Gen.ListOf(Gen.Choose(0, 2).Zip(Gen.Choose(0, int.MaxValue)).Zip(Gen.Choose(0, 255)));
        Check.One(Checked, Prop.ForAll(Arb.From(edits.Zip(Gen.ListOf(Gen.Choose(1, 200)))), pick =>
        {
            var (changes, sizes) = pick;
            var output = Serve(ByteEdits.Split(ByteEdits.Mutate(Session, changes, keep: FrameHeader.ClientPreface.Length), sizes));
            Assert.Equal(7, Frames(output)[^1].Type);
        }));
    }

    private static byte[] Frame(byte type, byte flags, int stream, byte[] payload)
    {
        var frame = new byte[9 + payload.Length];
        new FrameHeader(payload.Length, (FrameType)type, (FrameFlags)flags, stream).Write(frame);
        payload.CopyTo(frame, 9);
        return frame;
    }

    /// <summary>
    /// The pieces through the stage; the client then stays connected and silent, so the connection must end on its own
    /// (idle after 50 ms). Must complete, not fail, within 10 s.
    /// </summary>
    private byte[] Serve(List<byte[]> pieces)
    {
        var options = new HttpServerOptions
        {
            KeepAlive = TimeSpan.FromMilliseconds(50),
            RequestHeaderTimeout = TimeSpan.FromMilliseconds(50),
            Http2 = new Http2Options(),
        };
        var connection = new ConnectionInfo(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 40000), new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 8000));
        var stage = new Http2ConnectionStage(new Answering(), options, new ServerState(), connection, new ConnectionRoster());
        var output = Source.From(pieces.Select(b => (ReadOnlyMemory<byte>)b))
            .Concat(Source.Never<ReadOnlyMemory<byte>>())
            .Via(stage)
            .Select(m => m.ToArray())
            .RunAggregate(new List<byte>(), (all, chunk) => { all.AddRange(chunk); return all; }, Sys.Materializer())
            .WaitAsync(TimeSpan.FromSeconds(10))
            .GetAwaiter().GetResult();
        return [.. output];
    }

    /// <summary>Answers at once without reading the body (so no stream waits on a client that has gone quiet).</summary>
    private sealed class Answering : IHttpApp
    {
        public async Task HandleAsync(HttpRequest request, HttpResponse response, CancellationToken aborted)
        {
            response.Headers.Add("Content-Type", "text/plain");
            await response.WriteAsync($"{request.Method} {request.Target} on stream {request.StreamId}\n", aborted);
        }
    }

    private static List<(byte Type, int Stream, byte[] Payload)> Frames(byte[] output)
    {
        var frames = new List<(byte, int, byte[])>();
        int offset = 0;
        while (offset < output.Length)
        {
            Assert.True(output.Length - offset >= 9, $"a partial frame header at {offset}");
            int length = output[offset] << 16 | output[offset + 1] << 8 | output[offset + 2];
            Assert.True(output.Length - offset - 9 >= length, $"a partial frame at {offset}");
            frames.Add((output[offset + 3], BinaryPrimitives.ReadInt32BigEndian(output.AsSpan(offset + 5)) & 0x7FFF_FFFF,
                output[(offset + 9)..(offset + 9 + length)]));
            offset += 9 + length;
        }
        Assert.NotEmpty(frames);
        return frames;
    }
}
