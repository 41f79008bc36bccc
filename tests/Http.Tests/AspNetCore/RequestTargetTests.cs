using AkkaGunicorn.AspNetCore.Exchange;
using Xunit;

namespace AkkaGunicorn.Http.Tests.AspNetCore;

/// <summary>Request targets become ASP.NET Core's Path and QueryString as Kestrel makes them.</summary>
public sealed class RequestTargetTests
{
    [Theory]
    [InlineData("/", "/", "")]
    [InlineData("/a/b?x=1&y=2", "/a/b", "?x=1&y=2")]
    [InlineData("/a?", "/a", "?")]
    [InlineData("/a#frag", "/a", "")]
    [InlineData("/a?q=1#frag", "/a", "?q=1")]
    [InlineData("/a%20b?q=%20", "/a b", "?q=%20")]
    [InlineData("/a%2Fb/c", "/a%2Fb/c", "")]
    [InlineData("/a%2fb", "/a%2fb", "")]
    [InlineData("/caf%C3%A9", "/café", "")]
    [InlineData("/bad%C3", "/bad%C3", "")]
    [InlineData("/bad%zz", "/bad%zz", "")]
    [InlineData("/a/./b/../c", "/a/c", "")]
    [InlineData("/a/b/..", "/a/", "")]
    [InlineData("/../../x", "/x", "")]
    [InlineData("/a/%2e%2e/b", "/b", "")]
    public void Origin_form_targets_split_and_decode_as_on_Kestrel(string target, string path, string query)
    {
        var (actualPath, actualQuery) = RequestTarget.Split(target, fallbackPath: "unused", fallbackQuery: "unused");
        Assert.Equal(path, actualPath);
        Assert.Equal(query, actualQuery);
    }

    [Fact]
    public void Other_forms_use_the_parsers_split()
    {
        Assert.Equal(("/p q", "?x=1"), RequestTarget.Split("http://h/p%20q?x=1", "/p%20q", "x=1"));
        Assert.Equal(("", ""), RequestTarget.Split("*", "", ""));
    }

    [Fact]
    public void A_path_with_nothing_to_decode_is_returned_as_is()
    {
        const string raw = "/plain/path";
        Assert.Same(raw, RequestTarget.DecodePath(raw));
    }
}
