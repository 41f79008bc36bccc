using AkkaGunicorn.Http.Exchanges;
using AkkaGunicorn.Http.Stages;
using Xunit;
using HttpVersion = AkkaGunicorn.Http.Parsing.HttpVersion;

namespace AkkaGunicorn.Http.Tests.Exchanges;

/// <summary>RFC 9112 section 6 as the framing rule applies it.</summary>
public sealed class ResponseFramingRuleTests
{
    private static FramingChoice Decide(int status = 200, bool head = false, long? declared = null, bool final = true, int body = 5,
        long written = 5, HttpVersion version = HttpVersion.Http11) =>
        ResponseFramingRule.Decide(status, head, declared, final, body, written, version);

    [Theory]
    [InlineData(100)]
    [InlineData(101)]
    [InlineData(204)]
    [InlineData(304)]
    public void Statuses_that_forbid_a_body_send_none_and_no_length(int status)
    {
        var choice = Decide(status);
        Assert.Equal(new FramingChoice(ResponseFraming.NoBody, -1, SendsBody: false, Closes: false), choice);
    }

    [Fact]
    public void A_304_keeps_the_length_the_app_declared_for_the_representation() =>
        Assert.Equal(1234, Decide(304, declared: 1234).ContentLength);

    [Fact]
    public void A_HEAD_answer_carries_the_GET_length_declared_or_written_but_never_a_body()
    {
        Assert.Equal(new FramingChoice(ResponseFraming.NoBody, 42, false, false), Decide(head: true, declared: 42));
        Assert.Equal(new FramingChoice(ResponseFraming.NoBody, 5, false, false), Decide(head: true, final: true, written: 5));
        // An app that wrote nothing, or is still streaming, told us no length: Kestrel sends none either.
        Assert.Equal(-1, Decide(head: true, written: 0).ContentLength);
        Assert.Equal(-1, Decide(head: true, final: false, written: 5).ContentLength);
        Assert.Equal(-1, Decide(204, head: true, declared: 42).ContentLength);
    }

    [Fact]
    public void A_declared_length_wins_over_what_is_buffered() =>
        Assert.Equal(new FramingChoice(ResponseFraming.ContentLength, 100, true, false), Decide(declared: 100, final: false));

    [Fact]
    public void A_complete_body_gets_its_length() =>
        Assert.Equal(new FramingChoice(ResponseFraming.ContentLength, 5, true, false), Decide(final: true, body: 5));

    [Fact]
    public void A_streamed_body_of_unknown_length_is_chunked_for_HTTP_1_1_and_ends_with_the_connection_for_1_0()
    {
        Assert.Equal(new FramingChoice(ResponseFraming.Chunked, -1, true, false), Decide(final: false));
        Assert.Equal(new FramingChoice(ResponseFraming.UntilClose, -1, true, true), Decide(final: false, version: HttpVersion.Http10));
        // With a declared length, HTTP/1.0 keeps its connection.
        Assert.False(Decide(final: false, declared: 9, version: HttpVersion.Http10).Closes);
    }
}
