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
/// <remarks>
/// The handlers are registered before the first workers start, and the Arbiter's actor system starts only once they
/// serve: a signal that comes in between waits for <see cref="Connect"/> instead of taking its default action (TERM,
/// INT and HUP would end the Arbiter at once, and its workers with it, dropping what they were serving).
/// </remarks>
public sealed class SignalBridge : IDisposable
{
    // .NET names no user signals; these are Linux's numbers.
    private const PosixSignal SIGUSR1 = (PosixSignal)10, SIGUSR2 = (PosixSignal)12;
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly Lock _gate = new();
    private readonly List<Action<Targets>> _early = [];
    private Targets? _targets;

    private sealed record Targets(IActorRef Arbiter, Action<Shutdown> RequestStop);

    /// <summary>Registers the handlers; what they receive before <see cref="Connect"/> is kept for it, in order.</summary>
    public SignalBridge()
    {
        On(PosixSignal.SIGTERM, t => t.RequestStop(new Shutdown(Graceful: true, "received TERM")));
        On(PosixSignal.SIGINT, t => t.RequestStop(new Shutdown(Graceful: false, "received INT")));
        On(PosixSignal.SIGTTIN, t => t.Arbiter.Tell(new ScaleWorkers(+1)));
        On(PosixSignal.SIGTTOU, t => t.Arbiter.Tell(new ScaleWorkers(-1)));
        On(PosixSignal.SIGWINCH, t => t.Arbiter.Tell(new RetireAllWorkers()));
        On(PosixSignal.SIGHUP, t => t.Arbiter.Tell(new Reload("received HUP")));
        On(SIGUSR1, t => t.Arbiter.Tell(new ReopenLogs()));
        On(SIGUSR2, t => t.Arbiter.Tell(new UpgradeBinary()));
        On(PosixSignal.SIGQUIT, t => t.RequestStop(new Shutdown(Graceful: false, "received QUIT")));
    }

    /// <summary>
    /// From now on signals go to <paramref name="arbiter"/>, and <paramref name="requestStop"/> starts the server's
    /// stop; the ones that came before go first.
    /// </summary>
    public void Connect(IActorRef arbiter, Action<Shutdown> requestStop)
    {
        lock (_gate)
        {
            _targets = new Targets(arbiter, requestStop);
            // Under the lock, so that a signal arriving meanwhile cannot overtake them.
            foreach (var deliver in _early) deliver(_targets);
            _early.Clear();
        }
    }

    private void On(PosixSignal signal, Action<Targets> deliver) =>
        _registrations.Add(PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true;
            lock (_gate)
            {
                if (_targets is { } targets) deliver(targets);
                else _early.Add(deliver);
            }
        }));

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
    }
}
