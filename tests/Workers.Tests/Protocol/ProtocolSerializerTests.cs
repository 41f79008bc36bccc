using System.Runtime.Serialization;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using AkkaGunicorn.Workers.Protocol;
using Xunit;

namespace AkkaGunicorn.Workers.Tests.Protocol;

/// <summary>The protocol's own serializer: every message round-trips, and no frame can make it allocate more than it holds.</summary>
public sealed class ProtocolSerializerTests : TestKit
{
    private readonly ProtocolSerializer _serializer;

    public ProtocolSerializerTests() => _serializer = new ProtocolSerializer((ExtendedActorSystem)Sys);

    public static TheoryData<object> Messages() =>
    [
        new Register("a1b2", 42, 3),
        new Registered("a1b2"),
        new Rejected("a1b2", "unknown worker"),
        new Drain("a1b2", "reload", 30_000, SweepBacklog: true),
        new Drained("a1b2", 42, 1_000_000),
        new RecycleWanted("a1b2", 42, 5000, "served 5000 requests (max_requests)"),
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_message_round_trips(object message) =>
        Assert.Equal(message, _serializer.FromBinary(_serializer.ToBinary(message), _serializer.Manifest(message)));

    [Fact]
    public void A_heartbeat_round_trips_with_its_arrays()
    {
        var beat = new Heartbeat("t", 7, 1, 2, 3, 4, [0, 1, 2, 3, 4, 5], [9, 8, 7], [1, 2, 0, 3, 0], [0, 0, 4, 1]);
        var back = (Heartbeat)_serializer.FromBinary(_serializer.ToBinary(beat), "hb");
        Assert.Equal((beat.Token, beat.Pid, beat.Served, beat.ResidentBytes), (back.Token, back.Pid, back.Served, back.ResidentBytes));
        Assert.Equal(beat.StatusClasses, back.StatusClasses);
        Assert.Equal(beat.Latency, back.Latency);
        Assert.Equal(beat.Phases, back.Phases);
        Assert.Equal(beat.Expiries, back.Expiries);
    }

    [Theory]
    // A string claiming 2 GB (7-bit length 0xFF 0xFF 0xFF 0xFF 0x07), then nothing.
    [InlineData("ok", new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x07 })]
    // A length longer than five bytes.
    [InlineData("ok", new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF })]
    // A heartbeat whose status array claims int.MaxValue longs.
    [InlineData("hb", new byte[] { 1, (byte)'t', 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F })]
    // A negative count.
    [InlineData("hb", new byte[] { 1, (byte)'t', 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF })]
    // Truncated frames.
    [InlineData("reg", new byte[] { 4, (byte)'a' })]
    [InlineData("drained", new byte[] { 0 })]
    // A boolean that is neither 0 nor 1, and a string that is not UTF-8.
    [InlineData("drain", new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 })]
    [InlineData("ok", new byte[] { 2, 0xC3, 0x28 })]
    [InlineData("nope", new byte[] { })]
    public void A_hostile_frame_is_refused_without_allocating_what_it_claims(string manifest, byte[] frame)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<SerializationException>(() => _serializer.FromBinary(frame, manifest));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024, "the frame made the reader allocate what it claimed");
    }
}
