using Akka;
using Akka.Actor;
using AkkaGunicorn.Arbiter.Supervision;

namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>
/// The Arbiter's stop as Akka's CoordinatedShutdown phases, whoever asks for it (TERM, INT, QUIT, <c>ctl shutdown</c>,
/// a worker that cannot boot):
/// <list type="bullet">
/// <item><c>service-unbind</c>: the Arbiter tells every worker to stop accepting (each first serves what the kernel
/// has queued) and closes its own listening descriptors, so the last one closes with the last worker's sweep;</item>
/// <item><c>service-requests-done</c>: the workers finish their requests and exit (the Arbiter kills what is left at
/// <c>graceful_timeout</c>);</item>
/// <item><c>service-stop</c>: the control socket closes;</item>
/// <item>then the actor system ends, and the process exits with the stop's code.</item>
/// </list>
/// </summary>
public static class ServerShutdown
{
    /// <summary>The reason CoordinatedShutdown runs: the stop that was asked for.</summary>
    public sealed class StopReason(Shutdown stop) : CoordinatedShutdown.Reason
    {
        /// <summary>How to stop, why, and with which exit code.</summary>
        public Shutdown Stop => stop;

        /// <inheritdoc />
        public override int ExitCode => stop.ExitCode;
    }

    /// <summary>Starts the stop (a second request while one runs changes nothing).</summary>
    public static void Request(ActorSystem system, Shutdown stop) => CoordinatedShutdown.Get(system).Run(new StopReason(stop));

    /// <summary>
    /// Adds the server's tasks to the phases. <paramref name="stopped"/> completes once the Arbiter has stopped (every
    /// worker gone); <paramref name="closeControl"/> closes the control socket.
    /// </summary>
    public static void Register(ActorSystem system, IActorRef arbiter, Task stopped, Func<ValueTask> closeControl)
    {
        var shutdown = CoordinatedShutdown.Get(system);
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceUnbind, "retire-workers", () =>
        {
            // Stopped for another reason (the host ends): as TERM would.
            arbiter.Tell((shutdown.ShutdownReason as StopReason)?.Stop ?? new Shutdown(Graceful: true, "the server is stopping"));
            return Task.FromResult(Done.Instance);
        });
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceRequestsDone, "workers-exited", async () =>
        {
            await stopped;
            return Done.Instance;
        });
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceStop, "close-control-socket", async () =>
        {
            await closeControl();
            return Done.Instance;
        });
        Workers.Logging.SerilogAkkaLogger.QuietenAtTermination(system);
    }

    /// <summary>
    /// The phases' timeouts: the Arbiter enforces <c>graceful_timeout</c> itself, so waiting for the workers is bounded
    /// by that, not by the phase (whose default, 5 s, would cut a drain short; 24 days is well within what a .NET timer allows).
    /// </summary>
    public const string Config = """
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        akka.coordinated-shutdown.phases.service-requests-done.timeout = 24d
        """;
}
