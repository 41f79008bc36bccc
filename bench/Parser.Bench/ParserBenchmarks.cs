using System.Text;
using AkkaGunicorn.Http.Parsing;
using BenchmarkDotNet.Attributes;

namespace Parser.Bench;

/// <summary>
/// The request-head parser on its own, with a handler that keeps nothing (as Kestrel's parser benchmarks do):
/// nanoseconds and bytes allocated per request. The chunked decoder is measured over a typical upload.
/// </summary>
[MemoryDiagnoser]
public class ParserBenchmarks
{
    private static readonly byte[] WrkGet = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n");

    private static readonly byte[] BrowserGet = Encoding.ASCII.GetBytes(
        "GET /plaintext?page=2&sort=asc HTTP/1.1\r\nHost: localhost:8080\r\n" +
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\n" +
        "Accept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\nCookie: session=0123456789abcdef\r\n" +
        "Upgrade-Insecure-Requests: 1\r\nCache-Control: max-age=0\r\n\r\n");

    private static readonly byte[] ChunkedBody = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("400\r\n" + new string('x', 1024) + "\r\n", 16)) + "0\r\n\r\n");

    private readonly HttpHeadParser _parser = new(new HttpParserOptions());
    private readonly ChunkedDecoder _chunked = new(new HttpParserOptions());
    private readonly NullHandler _handler = new();

    [Benchmark(Baseline = true)]
    public int Get_from_wrk() => Parse(WrkGet);

    [Benchmark]
    public int Get_from_a_browser() => Parse(BrowserGet);

    [Benchmark]
    public long Chunked_body_16KiB()
    {
        _chunked.Reset();
        ReadOnlySpan<byte> input = ChunkedBody;
        long data = 0;
        while (true)
        {
            var step = _chunked.Step(input, out int consumed, out int length, out _);
            input = input[consumed..];
            data += length;
            if (step is ChunkedStep.Done or ChunkedStep.Error or ChunkedStep.NeedMore) return data;
        }
    }

    private int Parse(byte[] request)
    {
        if (!_parser.TryParseHead(request, _handler, out int consumed, out var framing, out _)) throw new InvalidOperationException();
        return consumed + (int)framing.Version + _handler.Count;
    }

    private sealed class NullHandler : IHttpHeadHandler
    {
        public int Count;

        public void OnRequestLine(ReadOnlySpan<byte> method, ReadOnlySpan<byte> target, HttpVersion version) => Count = method.Length + target.Length;

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => Count += name.Length + value.Length;
    }
}
