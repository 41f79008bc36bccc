using System.Runtime.InteropServices;
using Akka.Actor;
using AkkaGunicorn.Arbiter.Supervision;

namespace AkkaGunicorn.Arbiter.Signals;

/// <summary>
/// Turns POSIX signals into messages to the Arbiter actor. TERM is a graceful stop; INT and QUIT are
/// quick; HUP reloads; USR1 reopens logs; USR2 upgrades the binary; TTIN and TTOU add and remove a worker; WINCH retires every worker
/// gracefully and keeps the Arbiter. (.NET delivers QUIT only on some systems; where it does not,
/// QUIT keeps its default action.)
/// </summary>
public sealed class SignalBridge : IDisposable
{
    // .NET names no user signals; these are Linux's numbers.
    private const PosixSignal SIGUSR1 = (PosixSignal)10, SIGUSR2 = (PosixSignal)12;
    private readonly List<PosixSignalRegistration> _registrations = [];

    /// <summary>Registers the handlers; <paramref name="requestStop"/> starts the server's stop.</summary>
    public SignalBridge(IActorRef arbiter, Action<Shutdown> requestStop)
    {
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            requestStop(new Shutdown(Graceful: true, "received TERM"));
        }));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            requestStop(new Shutdown(Graceful: false, "received INT"));
        }));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTTIN, context =>
        {
            context.Cancel = true;
            arbiter.Tell(new ScaleWorkers(+1));
        }));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTTOU, context =>
        {
            context.Cancel = true;
            arbiter.Tell(new ScaleWorkers(-1));
        }));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGWINCH, context =>
        {
            context.Cancel = true;
            arbiter.Tell(new RetireAllWorkers());
        }));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            arbiter.Tell(new Reload("received HUP"));
        }));
        _registrations.Add(PosixSignalRegistration.Create(SIGUSR1, context =>
        {
            context.Cancel = true;
            arbiter.Tell(new ReopenLogs());
        }));
        _registrations.Add(PosixSignalRegistration.Create(SIGUSR2, context =>
        {
            context.Cancel = true;
            arbiter.Tell(new UpgradeBinary());
        }));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGQUIT, context =>
        {
            context.Cancel = true;
            requestStop(new Shutdown(Graceful: false, "received QUIT"));
        }));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
    }
}
