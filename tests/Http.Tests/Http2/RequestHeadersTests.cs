using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Http2;
using Xunit;

namespace AkkaGunicorn.Http.Tests.Http2;

/// <summary>The request rules of RFC 9113 §8.3 and what an app sees of an HTTP/2 request.</summary>
public sealed class RequestHeadersTests
{
    private static readonly (string, string)[] Get = [(":method", "GET"), (":scheme", "https"), (":authority", "example.com"), (":path", "/a?b=c")];

    [Fact]
    public void A_request_gets_its_target_host_version_and_joined_cookies()
    {
        var request = new HttpRequest();
        Assert.Null(RequestHeaders.TryBuild([.. Get, ("cookie", "a=1"), ("accept", "*/*"), ("cookie", "b=2")], endStream: true, request));
        Assert.Equal(("GET", "/a?b=c", "/a", "b=c", "HTTP/2"), (request.Method, request.Target, request.Path, request.Query, request.Protocol));
        Assert.Equal("example.com", request.Headers["host"]);
        Assert.Equal("a=1; b=2", request.Headers["cookie"]);
        Assert.Equal(Parsing.BodyKind.None, request.Framing.Body);
    }

    [Fact]
    public void A_body_is_streamed_unless_its_length_is_declared()
    {
        var streamed = new HttpRequest();
        Assert.Null(RequestHeaders.TryBuild([.. Get], endStream: false, streamed));
        Assert.Equal(Parsing.BodyKind.Chunked, streamed.Framing.Body);
        var declared = new HttpRequest();
        Assert.Null(RequestHeaders.TryBuild([.. Get, ("content-length", "12")], endStream: false, declared));
        Assert.Equal((Parsing.BodyKind.ContentLength, 12L), (declared.Framing.Body, declared.ContentLength));
    }

    [Theory]
    [InlineData("no :method")]
    [InlineData("pseudo after regular")]
    [InlineData("repeated :path")]
    [InlineData("unknown pseudo")]
    [InlineData("upper-case name")]
    [InlineData("connection")]
    [InlineData("te gzip")]
    [InlineData("empty :path")]
    [InlineData("content-length without body")]
    [InlineData("bad content-length")]
    [InlineData("CR in value")]
    public void Malformed_requests_are_refused(string what)
    {
        (string, string)[] fields = what switch
        {
            "no :method" => Get[1..],
            "pseudo after regular" => [("accept", "*/*"), .. Get],
            "repeated :path" => [.. Get, (":path", "/again")],
            "unknown pseudo" => [.. Get, (":protocol", "websocket")],
            "upper-case name" => [.. Get, ("Accept", "*/*")],
            "connection" => [.. Get, ("connection", "keep-alive")],
            "te gzip" => [.. Get, ("te", "gzip")],
            "empty :path" => [(":method", "GET"), (":scheme", "http"), (":path", "")],
            "content-length without body" => [.. Get, ("content-length", "5")],
            "bad content-length" => [.. Get, ("content-length", "-1")],
            _ => [.. Get, ("x-evil", "a\r\nb")],
        };
        Assert.NotNull(RequestHeaders.TryBuild(fields, endStream: true, new HttpRequest()));
    }

    [Fact]
    public void Te_trailers_is_allowed()
    {
        Assert.Null(RequestHeaders.TryBuild([.. Get, ("te", "trailers")], endStream: true, new HttpRequest()));
    }
}
