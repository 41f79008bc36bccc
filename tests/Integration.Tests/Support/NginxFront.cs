using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AkkaGunicorn.Integration.Tests.Support;

/// <summary>
/// A real nginx (Debian's package) serving one site, in a directory of its own, as a distribution's nginx.conf would
/// include it: one worker process, running as nobody in the test's group (as www-data would be in the socket's group).
/// Disposing stops it.
/// </summary>
public sealed class NginxFront : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private NginxFront(Process process, string directory)
    {
        _process = process;
        _directory = directory;
    }

    /// <summary>nginx's error log, for test output.</summary>
    public string ErrorLog => File.Exists(Path.Combine(_directory, "error.log")) ? File.ReadAllText(Path.Combine(_directory, "error.log")) : "";

    /// <summary>Starts nginx with <paramref name="site"/> in <paramref name="directory"/> and waits until <paramref name="port"/> accepts.</summary>
    public static async Task<NginxFront> StartAsync(string directory, string site, int port)
    {
        File.WriteAllText(Path.Combine(directory, "site.conf"), site);
        string group = Run("id", "-gn").Trim();
        File.WriteAllText(Path.Combine(directory, "nginx.conf"), $$"""
            user nobody {{group}};
            worker_processes 1;
            daemon off;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                include {{directory}}/site.conf;
            }
            """);
        var info = new ProcessStartInfo("/usr/sbin/nginx") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in (string[])["-p", directory + "/", "-c", Path.Combine(directory, "nginx.conf"), "-e", Path.Combine(directory, "error.log")])
            info.ArgumentList.Add(arg);
        var front = new NginxFront(Process.Start(info)!, directory);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (front._process.HasExited)
                throw new InvalidOperationException($"nginx exited with {front._process.ExitCode}: {await front._process.StandardError.ReadToEndAsync()} {front.ErrorLog}");
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
                return front;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet: nginx is still reading its configuration.
                await Task.Delay(50);
            }
        }
    }

    /// <summary>A loopback TCP port nobody listens on now.</summary>
    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static string Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // TERM is nginx's fast stop: the master takes its worker with it.
            Posix.Kill(_process.Id, Posix.SIGTERM);
            try
            {
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
    }
}
