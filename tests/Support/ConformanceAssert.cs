using System.Text.Json;
using Xunit;

namespace AkkaGunicorn.Testing;

/// <summary>Checks what the server answered to a case against what Gunicorn's suite expects.</summary>
public static class ConformanceAssert
{
    /// <param name="responses">The responses read from the connection.</param>
    /// <param name="closed">Whether the server closed the connection.</param>
    /// <param name="appCalls">How many times the app ran (-1 if unknown).</param>
    public static void Matches(ConformanceCase c, List<ParsedResponse> responses, bool closed, int appCalls)
    {
        if (c.Deviation is { } why)
        {
            // We deliberately answer differently from Gunicorn here (see ConformanceCase.Deviations).
            Assert.True(closed, $"{c}: the connection must be closed");
            Assert.True(responses.Count == 1 && responses[0].Status == 400, $"{c}: expected our 400 ({why})");
            return;
        }
        if (c.Valid)
        {
            var expected = c.Expected.ToList();
            Assert.True(responses.Count >= expected.Count, $"{c}: expected {expected.Count} responses, got {responses.Count}");
            for (int i = 0; i < expected.Count; i++) MatchesRequest(c, expected[i], responses[i]);
            Assert.Equal(expected.Count, responses.Count);
            return;
        }
        Assert.True(closed, $"{c}: the connection must be closed");
        if (c.ExpectStatus is { } status)
        {
            Assert.True(responses.Count == 1, $"{c}: expected one {status} response, got {responses.Count}");
            Assert.Equal(status, responses[0].Status);
            Assert.Equal("close", responses[0].Header("Connection"));
            // With a chunked body the error may sit in the trailers, which only reading the body reveals.
            if (appCalls >= 0 && !c.HasChunkedBody) Assert.True(appCalls == 0, $"{c}: the app must not be called, but ran {appCalls} times");
        }
        else
        {
            // An error inside the body: the app must not receive a complete, well-formed body.
            Assert.DoesNotContain(responses, r => r.Status == 200);
        }
    }

    private static void MatchesRequest(ConformanceCase c, JsonElement expected, ParsedResponse response)
    {
        Assert.True(response.Status == 200, $"{c}: status {response.Status}: {response.BodyText}");
        using var doc = JsonDocument.Parse(response.Body);
        var echo = doc.RootElement;
        Assert.Equal(expected.GetProperty("method").GetString(), echo.GetProperty("method").GetString());
        Assert.Equal(expected.GetProperty("uri").GetString(), echo.GetProperty("target").GetString());
        Assert.Equal(expected.GetProperty("path").GetString(), echo.GetProperty("path").GetString());
        Assert.Equal(expected.GetProperty("query").GetString(), echo.GetProperty("query").GetString());
        var version = expected.GetProperty("version");
        Assert.Equal($"HTTP/{version[0].GetInt32()}.{version[1].GetInt32()}", echo.GetProperty("version").GetString());
        AssertFields(c, "headers", expected.GetProperty("headers"), echo.GetProperty("headers"));
        if (expected.TryGetProperty("trailers", out var trailers)) AssertFields(c, "trailers", trailers, echo.GetProperty("trailers"));
        Assert.Equal(expected.GetProperty("body_b64").GetString(), echo.GetProperty("body_base64").GetString());
    }

    private static void AssertFields(ConformanceCase c, string what, JsonElement expected, JsonElement actual)
    {
        var want = expected.EnumerateArray().Select(p => (p[0].GetString()!.ToUpperInvariant(), p[1].GetString())).ToList();
        var got = actual.EnumerateArray().Select(p => (p[0].GetString()!.ToUpperInvariant(), p[1].GetString())).ToList();
        Assert.True(want.SequenceEqual(got), $"{c}: {what} differ.\nwant: {string.Join(" | ", want)}\ngot:  {string.Join(" | ", got)}");
    }
}
