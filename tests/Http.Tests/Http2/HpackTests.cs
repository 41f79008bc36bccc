using AkkaGunicorn.Http.Http2.Frames;
using AkkaGunicorn.Http.Http2.Hpack;
using Xunit;

namespace AkkaGunicorn.Http.Tests.Http2;

/// <summary>HPACK against the examples of RFC 7541 Appendix C, and its error cases.</summary>
public sealed class HpackTests
{
    private static List<(string, string)> Decode(HpackDecoder decoder, string hex)
    {
        var fields = new List<(string, string)>();
        decoder.Decode(Convert.FromHexString(hex), (name, value) => fields.Add((name, value)));
        return fields;
    }

    private static readonly (string, string)[] First = [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")];
    private static readonly (string, string)[] Second = [.. First, ("cache-control", "no-cache")];
    private static readonly (string, string)[] Third =
        [(":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"), ("custom-key", "custom-value")];

    [Theory]
    // C.3: requests without Huffman coding; C.4: the same with it. Each shares one decoder (the dynamic table carries on).
    [InlineData("828684410f7777772e6578616d706c652e636f6d", "828684be58086e6f2d6361636865", "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565")]
    [InlineData("828684418cf1e3c2e5f23a6ba0ab90f4ff", "828684be5886a8eb10649cbf", "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf")]
    public void Request_examples_decode_with_the_dynamic_table_carried_over(string first, string second, string third)
    {
        var decoder = new HpackDecoder();
        Assert.Equal(First, Decode(decoder, first));
        Assert.Equal(57, decoder.TableSize);
        Assert.Equal(Second, Decode(decoder, second));
        Assert.Equal(110, decoder.TableSize);
        Assert.Equal(Third, Decode(decoder, third));
        Assert.Equal(164, decoder.TableSize);
    }

    [Fact]
    public void A_table_size_update_then_evictions_keep_the_table_within_its_size()
    {
        // The responses of C.6 (Huffman, a 256-octet table), made by the hpack library of Python's h2, which starts with
        // a size update to 256.
        var decoder = new HpackDecoder();
        Assert.Equal([(":status", "302"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("location", "https://www.example.com")],
            Decode(decoder, "3fe101488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3"));
        Assert.Equal(222, decoder.TableSize);
        Assert.Equal(":status", Decode(decoder, "4883640effc1c0bf")[0].Item1);
        Assert.Equal(222, decoder.TableSize);
        var third = Decode(decoder, "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007");
        Assert.Equal(("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"), third[^1]);
        Assert.Equal(215, decoder.TableSize);
    }

    [Theory]
    [InlineData("80", "index 0")]
    [InlineData("be", "beyond the dynamic table")]
    [InlineData("3fe21f", "size update beyond what was announced")]
    [InlineData("82" + "3fe101", "a size update after a field")]
    [InlineData("4085f2b24a87ff", "Huffman padding longer than 7 bits")]
    [InlineData("4081fe", "Huffman padding that is not all ones")]
    [InlineData("ff8080808080", "an integer beyond 2^31")]
    [InlineData("410f7777", "a string longer than its block")]
    public void Malformed_blocks_are_compression_errors(string hex, string why)
    {
        var error = Assert.Throws<HpackException>(() => Decode(new HpackDecoder(), hex));
        Assert.False(string.IsNullOrEmpty(error.Message), why);
    }

    [Fact]
    public void Huffman_round_trips_every_byte_value()
    {
        var text = Enumerable.Range(0, 256).Select(i => (byte)i).Concat("www.example.com"u8.ToArray()).ToArray();
        var encoded = new byte[Huffman.EncodedLength(text)];
        Assert.Equal(encoded.Length, Huffman.Encode(text, encoded));
        var decoded = new byte[encoded.Length * 8 / 5 + 1];
        int length = Huffman.Decode(encoded, decoded);
        Assert.Equal(text, decoded[..length]);
    }

    [Fact]
    public void What_the_encoder_writes_the_decoder_reads()
    {
        var output = new FrameBuffer();
        var encoder = new HpackEncoder();
        encoder.PeerTableSizeChanged(0);
        encoder.BeginBlock(output);
        HpackEncoder.WriteStatus(output, 200);
        HpackEncoder.WriteStatus(output, 418);
        HpackEncoder.WriteField(output, "content-type", "text/plain");
        HpackEncoder.WriteField(output, "x-long", new string('z', 300));
        HpackEncoder.WriteField(output, "grpc-status", "0");
        var fields = new List<(string, string)>();
        new HpackDecoder().Decode(output.Written.Span, (name, value) => fields.Add((name, value)));
        Assert.Equal([(":status", "200"), (":status", "418"), ("content-type", "text/plain"), ("x-long", new string('z', 300)), ("grpc-status", "0")], fields);
        // The size update to 0 came first, once.
        Assert.Equal(0x20, output.Written.Span[0]);
    }
}
