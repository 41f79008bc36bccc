using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaGunicorn.Integration.Tests;

/// <summary>Running under systemd: socket activation (LISTEN_FDS) and readiness (sd_notify), as systemd does them.</summary>
public sealed class SystemdTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _notifyPath = Path.Combine(Path.GetTempPath(), $"ag-notify-{Guid.NewGuid():N}.sock");
    private readonly Socket _notify = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public void Dispose()
    {
        _notify.Dispose();
        _listener.Dispose();
        File.Delete(_notifyPath);
    }

    [Fact]
    public async Task Adopts_the_socket_systemd_passes_and_notifies_ready_and_stopping()
    {
        _notify.Bind(new UnixDomainSocketEndPoint(_notifyPath));
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        int port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        int fd = (int)_listener.SafeHandle.DangerousGetHandle();
        Posix.ClearCloseOnExec(fd);
        // What systemd does: the socket as descriptor 3, LISTEN_FDS=1, LISTEN_PID=the service's PID, NOTIFY_SOCKET.
        await using var server = ServerProcess.StartWrapped(
            "exec 3<&\"$1\"-; export LISTEN_PID=$$ LISTEN_FDS=1 NOTIFY_SOCKET=\"$2\"",
            ["--workers", "2", "--bind", "127.0.0.1:1", Paths.Hello], output, fd.ToString(), _notifyPath);
        try
        {
            var ready = await ReceiveAsync();
            Assert.Contains("READY=1", ready);
            Assert.Contains($"MAINPID={server.Pid}", ready);
            Assert.Contains(server.Lines, l => l.Contains($"Listening at: http://127.0.0.1:{port} ({server.Pid}, inherited from systemd)"));
            await server.WaitForCountAsync(ServerProcess.ServingRegex(), 2);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            Assert.Equal("Hello, World!", await http.GetStringAsync($"http://127.0.0.1:{port}/"));

            server.Signal(Posix.SIGTERM);
            Assert.Contains("STOPPING=1", await ReceiveAsync());
            Assert.Equal(0, await server.WaitForExitAsync());
        }
        finally
        {
            foreach (var pid in server.WorkerPids) Posix.Kill(pid, Posix.SIGKILL);
        }
    }

    private async Task<string> ReceiveAsync()
    {
        var buffer = new byte[4096];
        int n = await _notify.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(60));
        return Encoding.UTF8.GetString(buffer, 0, n);
    }
}
