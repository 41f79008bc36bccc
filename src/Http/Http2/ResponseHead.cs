using AkkaGunicorn.Http.Http2.Frames;
using AkkaGunicorn.Http.Http2.Hpack;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Http.Stages;

namespace AkkaGunicorn.Http.Http2;

/// <summary>
/// Writes a response head (or trailers) as a header block: names lower-cased, HTTP/1's connection-specific fields left
/// out (RFC 9113 §8.2.2), Content-Length from the response's framing as the HTTP/1 writer derives it.
/// </summary>
internal static class ResponseHead
{
    private static readonly string[] Dropped = ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "content-length"];

    /// <summary>HEADERS (and CONTINUATION) frames for <paramref name="start"/>.</summary>
    public static void Write(FrameBuffer output, HpackEncoder encoder, int streamId, ResponseStart start, string serverHeader,
        bool endStream, int maxFrameSize)
    {
        int block = FrameWriter.BeginHeaderBlock(output);
        encoder.BeginBlock(output);
        HpackEncoder.WriteStatus(output, start.StatusCode);
        bool hasServer = false, hasDate = false;
        foreach (var (name, value) in start.Headers)
        {
            var lower = Lower(name);
            if (Array.IndexOf(Dropped, lower) >= 0) continue;
            hasServer |= lower == "server";
            hasDate |= lower == "date";
            HpackEncoder.WriteField(output, lower, value);
        }
        if (!hasServer) HpackEncoder.WriteField(output, "server", serverHeader);
        if (!hasDate) HpackEncoder.WriteField(output, "date", ServerDate.Value);
        if (start.Framing == ResponseFraming.ContentLength || (start.Framing == ResponseFraming.NoBody && start.ContentLength >= 0))
            HpackEncoder.WriteField(output, "content-length", start.ContentLength.ToString(System.Globalization.CultureInfo.InvariantCulture));
        FrameWriter.EndHeaderBlock(output, block, streamId, endStream, maxFrameSize);
    }

    /// <summary>An interim <c>100 Continue</c>.</summary>
    public static void Continue(FrameBuffer output, HpackEncoder encoder, int streamId, int maxFrameSize)
    {
        int block = FrameWriter.BeginHeaderBlock(output);
        encoder.BeginBlock(output);
        HpackEncoder.WriteStatus(output, 100);
        FrameWriter.EndHeaderBlock(output, block, streamId, endStream: false, maxFrameSize);
    }

    /// <summary>Trailers, ending the stream.</summary>
    public static void Trailers(FrameBuffer output, HpackEncoder encoder, int streamId, IReadOnlyList<KeyValuePair<string, string>> trailers, int maxFrameSize)
    {
        int block = FrameWriter.BeginHeaderBlock(output);
        encoder.BeginBlock(output);
        foreach (var (name, value) in trailers)
        {
            var lower = Lower(name);
            if (Array.IndexOf(Dropped, lower) < 0) HpackEncoder.WriteField(output, lower, value);
        }
        FrameWriter.EndHeaderBlock(output, block, streamId, endStream: true, maxFrameSize);
    }

    /// <summary>A response the connection gives itself, without the app (431 for a header list too large).</summary>
    public static void Bare(FrameBuffer output, HpackEncoder encoder, int streamId, int status, string serverHeader, int maxFrameSize)
    {
        int block = FrameWriter.BeginHeaderBlock(output);
        encoder.BeginBlock(output);
        HpackEncoder.WriteStatus(output, status);
        HpackEncoder.WriteField(output, "server", serverHeader);
        HpackEncoder.WriteField(output, "date", ServerDate.Value);
        HpackEncoder.WriteField(output, "content-length", "0");
        FrameWriter.EndHeaderBlock(output, block, streamId, endStream: true, maxFrameSize);
    }

    // Apps name a few dozen headers with capitals (Content-Type): their lower-case forms are kept rather than made per
    // response; past this many distinct names, a name is lowered each time (no app header fills memory).
    private const int MaxLowered = 512;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Lowered = new(StringComparer.Ordinal);

    private static string Lower(string name)
    {
        if (!name.AsSpan().ContainsAnyInRange('A', 'Z')) return name;
        if (Lowered.TryGetValue(name, out var lower)) return lower;
        lower = name.ToLowerInvariant();
        if (Lowered.Count < MaxLowered) Lowered.TryAdd(name, lower);
        return lower;
    }
}
