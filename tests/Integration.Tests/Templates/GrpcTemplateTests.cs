using System.Text;
using AkkaGunicorn.Integration.Tests.Support;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests.Templates;

/// <summary>
/// The SDK's gRPC template (<c>dotnet new grpc</c>, plus a streaming service beside its Greeter), published and run on
/// AkkaGunicorn over cleartext HTTP/2 (prior knowledge, as gRPC clients speak it) with two workers, driven by
/// Grpc.Net.Client: unary, server, client and bidirectional streaming, a deadline, an error status in trailers. The same
/// session against the app alone on Kestrel must read the same.
/// </summary>
public sealed class GrpcTemplateTests(GeneratedApps apps, ITestOutputHelper output) : IClassFixture<GeneratedApps>
{
    private static readonly Marshaller<byte[]> Raw = Marshallers.Create<byte[]>(b => b, b => b);

    [Fact]
    public async Task The_grpc_template_serves_every_kind_of_call_as_on_Kestrel()
    {
        var app = await apps.PublishedAsync("grpc");
        List<string> kestrel, ours;
        await using (var reference = await KestrelProcess.StartAsync(app))
            kestrel = await SessionAsync(reference.Port);
        await using (var server = await ServerProcess.StartServingAsync(app, workers: 2, output, "--http-protocols", "h2,h1"))
        {
            ours = await SessionAsync(server.Port);
            Assert.DoesNotContain(server.Lines, l => l.Contains("[ERROR]"));
        }
        foreach (var line in ours) output.WriteLine(line);
        Assert.Equal(kestrel, ours);
        Assert.Contains("SayHello: Hello World (OK)", ours);
        Assert.Contains("Count: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 (OK)", ours);
        Assert.Contains("Stall: DeadlineExceeded", ours);
        Assert.Contains("Fail: NotFound no such thing", ours);
    }

    private static async Task<List<string>> SessionAsync(int port)
    {
        var lines = new List<string>();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var calls = channel.CreateCallInvoker();
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30));

        var hello = calls.AsyncUnaryCall(Method(MethodType.Unary, "greet.Greeter", "SayHello"), null, options, Note("World"));
        lines.Add($"SayHello: {Text(await hello)} ({hello.GetStatus().StatusCode})");

        using (var count = calls.AsyncServerStreamingCall(Method(MethodType.ServerStreaming, "probe.Streamer", "Count"), null, options, Note("20")))
        {
            var seen = new List<string>();
            await foreach (var note in count.ResponseStream.ReadAllAsync()) seen.Add(Text(note));
            lines.Add($"Count: {string.Join(' ', seen)} ({count.GetStatus().StatusCode})");
        }

        using (var join = calls.AsyncClientStreamingCall(Method(MethodType.ClientStreaming, "probe.Streamer", "Join"), null, options))
        {
            foreach (var word in new[] { "a", "b", new string('c', 100_000) }) await join.RequestStream.WriteAsync(Note(word));
            await join.RequestStream.CompleteAsync();
            var joined = Text(await join.ResponseAsync);
            lines.Add($"Join: {joined.Length} {joined[..4]} ({join.GetStatus().StatusCode})");
        }

        using (var shout = calls.AsyncDuplexStreamingCall(Method(MethodType.DuplexStreaming, "probe.Streamer", "Shout"), null, options))
        {
            var answers = new List<string>();
            foreach (var word in new[] { "one", "two", "three" })
            {
                // Each answer comes back before the next question goes: the stream is duplex, not buffered.
                await shout.RequestStream.WriteAsync(Note(word));
                Assert.True(await shout.ResponseStream.MoveNext(CancellationToken.None));
                answers.Add(Text(shout.ResponseStream.Current));
            }
            await shout.RequestStream.CompleteAsync();
            Assert.False(await shout.ResponseStream.MoveNext(CancellationToken.None));
            lines.Add($"Shout: {string.Join(' ', answers)} ({shout.GetStatus().StatusCode})");
        }

        var stall = calls.AsyncUnaryCall(Method(MethodType.Unary, "probe.Streamer", "Stall"), null,
            new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(500)), Note("x"));
        var late = await Assert.ThrowsAsync<RpcException>(() => stall.ResponseAsync);
        lines.Add($"Stall: {late.StatusCode}");

        var fail = calls.AsyncUnaryCall(Method(MethodType.Unary, "probe.Streamer", "Fail"), null, options, Note("such thing"));
        var failed = await Assert.ThrowsAsync<RpcException>(() => fail.ResponseAsync);
        lines.Add($"Fail: {failed.StatusCode} {failed.Status.Detail}");

        // The connection is still good after a cancelled and a failed call.
        var again = calls.AsyncUnaryCall(Method(MethodType.Unary, "greet.Greeter", "SayHello"), null, options, Note("again"));
        lines.Add($"SayHello: {Text(await again)} ({again.GetStatus().StatusCode})");
        return lines;
    }

    private static Method<byte[], byte[]> Method(MethodType type, string service, string name) => new(type, service, name, Raw, Raw);

    /// <summary>A message whose only field, number 1, is a string: what the template's messages and Note are.</summary>
    private static byte[] Note(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var message = new List<byte> { 0x0A };
        for (uint length = (uint)bytes.Length; ; length >>= 7)
        {
            if (length < 0x80) { message.Add((byte)length); break; }
            message.Add((byte)(length & 0x7F | 0x80));
        }
        message.AddRange(bytes);
        return [.. message];
    }

    private static string Text(byte[] message)
    {
        if (message.Length == 0) return "";
        int offset = 1, length = 0, shift = 0;
        while (true)
        {
            byte b = message[offset++];
            length |= (b & 0x7F) << shift;
            shift += 7;
            if ((b & 0x80) == 0) break;
        }
        return Encoding.UTF8.GetString(message, offset, length);
    }
}
