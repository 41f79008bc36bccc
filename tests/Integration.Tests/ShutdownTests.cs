using System.Text.RegularExpressions;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>How the whole server stops: nothing the kernel has queued is reset.</summary>
public sealed class ShutdownTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Connections_queued_in_the_kernel_when_term_arrives_are_served()
    {
        var server = await ServerProcess.StartServingAsync(Paths.Hello, workers: 1, output, "--graceful-timeout", "20");
        await using var _ = server;
        var worker = server.WorkerPids[0];
        // A stopped worker accepts nothing: these connections complete their handshake and wait in the queue.
        Assert.True(Posix.Kill(worker, Posix.SIGSTOP));
        var clients = new List<RawClient>();
        try
        {
            for (int i = 0; i < 5; i++)
            {
                var client = new RawClient(server.Port);
                clients.Add(client);
                await client.SendAsync($"GET /queued/{i} HTTP/1.1\r\nHost: a\r\n\r\n");
            }
            server.Signal(Posix.SIGTERM);
            await server.WaitForLineAsync(new Regex(@"Graceful stop: received TERM"));
            Assert.True(Posix.Kill(worker, Posix.SIGCONT));
            foreach (var client in clients)
            {
                var response = HttpResponseReader.ReadAll(await client.ReadToEndAsync(TimeSpan.FromSeconds(20))).Single();
                Assert.Equal(200, response.Status);
                Assert.Equal("Hello, World!", response.BodyText);
            }
            Assert.Equal(0, await server.WaitForExitAsync());
        }
        finally
        {
            Posix.Kill(worker, Posix.SIGCONT);
            foreach (var client in clients) client.Dispose();
        }
    }

    [Fact]
    public async Task Term_while_the_first_worker_boots_is_a_graceful_stop()
    {
        // The Arbiter starts its actor system once its first workers serve; a TERM that comes before must still stop the
        // server gracefully, not end the Arbiter at once (.NET's default) and its workers with it.
        var server = ServerProcess.Start(["--bind", "127.0.0.1:0", "--workers", "1", Paths.Hello], output);
        await using var _ = server;
        // The worker's own first line: it has started and does not serve yet. Stopped there, it keeps the Arbiter waiting.
        var booting = await server.WaitForLineAsync(new Regex(@"\] \[(\d+)\] \[INFO\] Booting worker with pid: \1$"));
        int worker = int.Parse(booting.Groups[1].Value);
        Assert.True(Posix.Kill(worker, Posix.SIGSTOP));
        try
        {
            server.Signal(Posix.SIGTERM);
        }
        finally
        {
            Posix.Kill(worker, Posix.SIGCONT);
        }
        Assert.Equal(0, await server.WaitForExitAsync());
        await server.WaitForLineAsync(new Regex(@"Graceful stop: received TERM"));
        // Drained, as every worker of a graceful stop is: not killed, and not left to find its Arbiter gone.
        await server.WaitForLineAsync(new Regex($@"Worker exiting \(pid: {worker}\): exited with code 0"));
        Assert.DoesNotContain(server.Lines, l => l.Contains("The Arbiter is gone", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Term_under_keep_alive_load_fails_no_request()
    {
        var server = await ServerProcess.StartServingAsync(Paths.Hello, workers: 2, output, "--graceful-timeout", "20");
        await using var _ = server;
        await using var load = SteadyLoad.Start(server.Port, clients: 6);
        await load.WaitForMoreSuccessesAsync(500);
        load.StopReconnecting();
        server.Signal(Posix.SIGTERM);
        Assert.Equal(0, await server.WaitForExitAsync());
        await load.WhenAllStoppedAsync();
        output.WriteLine($"{load.Successes} requests answered, {load.Closes} with Connection: close; {load.Failures} failed: {string.Join("; ", load.Errors.Take(5))}");
        // Every busy keep-alive connection was answered to the end and told to close; none was dropped.
        Assert.Equal(0, load.Failures);
        Assert.Equal(6, load.Closes);
    }
}
