using System.Text;
using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Parsing;

namespace AkkaGunicorn.Http.Stages;

/// <summary>Turns the parser's spans into the request's strings, reusing the strings of common methods and header names.</summary>
internal sealed class RequestHeadBuilder(bool casefoldMethod) : IHttpHeadHandler
{
    private static readonly string[] KnownMethods = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE"];

    private static readonly string[] KnownNames =
    [
        "Host", "User-Agent", "Accept", "Accept-Encoding", "Accept-Language", "Connection", "Content-Length",
        "Content-Type", "Transfer-Encoding", "Cookie", "Authorization", "Cache-Control", "Expect", "Referer",
        "Origin", "Upgrade", "X-Forwarded-For", "X-Forwarded-Proto", "X-Real-IP", "If-None-Match", "If-Modified-Since",
    ];

    private HttpRequest? _request;
    private string? _targetAuthority;

    public void Begin(HttpRequest request)
    {
        _request = request;
        request.Headers.Clear();
        request.Trailers.Clear();
    }

    public void OnRequestLine(ReadOnlySpan<byte> method, ReadOnlySpan<byte> target, HttpVersion version)
    {
        var request = _request!;
        request.Method = Intern(method, KnownMethods) ?? Encoding.Latin1.GetString(method);
        if (casefoldMethod) request.Method = request.Method.ToUpperInvariant();
        request.Target = target.Length == 1 && target[0] == (byte)'/' ? "/" : Encoding.Latin1.GetString(target);
        request.Version = version;
        _targetAuthority = RequestTargets.AbsoluteAuthority(method, target);
    }

    /// <summary>
    /// Called once the head is whole. RFC 9112 §3.2.2: an absolute-form target's authority is the request's host,
    /// whatever Host says; the app sees it as Host, as a proxy in front would have sent it.
    /// </summary>
    public void Complete()
    {
        if (_targetAuthority is not null) _request!.Headers.Set("Host", _targetAuthority);
    }

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
        _request!.Headers.Add(Intern(name, KnownNames) ?? Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value));

    private static string? Intern(ReadOnlySpan<byte> bytes, string[] known)
    {
        foreach (var candidate in known)
        {
            if (candidate.Length != bytes.Length) continue;
            bool same = true;
            for (int i = 0; i < bytes.Length && same; i++) same = bytes[i] == candidate[i];
            if (same) return candidate;
        }
        return null;
    }
}
