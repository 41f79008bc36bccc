using System.Diagnostics;
using AkkaGunicorn.Arbiter.Listeners;
using Serilog;

namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>
/// USR2: starts a new Arbiter from the current executable (so a replaced binary or app takes effect) with the
/// same arguments. It inherits the listening sockets by descriptor, so old and new serve side by side on the
/// same queues; the operator then sends WINCH and TERM to the old one. If the new Arbiter dies, this one takes
/// its pidfile back and goes on as before.
/// </summary>
public sealed class BinaryUpgrade(ListenerSet listeners, IReadOnlyList<string> arguments, PidFile? pidFile)
{
    private readonly object _gate = new();
    private Process? _successor;

    /// <summary>Starts the new Arbiter and returns its PID; throws when one is already running or it cannot start.</summary>
    public int Start()
    {
        lock (_gate)
        {
            if (_successor is { HasExited: false } running)
                throw new InvalidOperationException($"the new Arbiter (pid {running.Id}) is still running");
            var info = ThisExecutable.StartInfo();
            foreach (var argument in arguments) info.ArgumentList.Add(argument);
            info.Environment[InheritedSockets.UpgradeVariable] = string.Join(',', listeners.Descriptors);
            pidFile?.MoveAside();
            listeners.KeepUnixSocketFiles = true;
            Process successor;
            try
            {
                successor = ThisExecutable.Start(info);
            }
            catch
            {
                TakeBack();
                throw;
            }
            _successor = successor;
            successor.WaitForExitAsync().ContinueWith(_ => OnSuccessorExited(successor), TaskScheduler.Default);
            return successor.Id;
        }
    }

    private void OnSuccessorExited(Process successor)
    {
        lock (_gate)
        {
            if (_successor != successor) return;
            // The pidfile is back before the log says so: whoever reads the line finds it in place.
            TakeBack();
            Log.Warning("The new Arbiter (pid {Pid}) exited with code {Code}; this Arbiter (pid {Self}) goes on",
                successor.Id, successor.ExitCode, Environment.ProcessId);
        }
    }

    private void TakeBack()
    {
        listeners.KeepUnixSocketFiles = false;
        pidFile?.MoveBack();
    }
}
