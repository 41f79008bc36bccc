using Akka;
using Akka.Actor;
using AkkaGunicorn.Workers.Logging;
using AkkaGunicorn.Workers.Protocol;

namespace AkkaGunicorn.Workers.Hosting;

/// <summary>
/// A worker's stop as Akka's CoordinatedShutdown phases. A drain (the Arbiter's, TERM, the app stopping its own host)
/// runs them all: <c>service-unbind</c>, the accept stages withdraw (serving what the kernel has queued, when the
/// whole server stops) and the worker closes its listening descriptors; <c>service-requests-done</c>, open
/// connections finish (WebSockets get 1001 at the deadline) and the worker reports its last figures; <c>service-stop</c>,
/// the app's own host stops and closing connections finish lingering; then the actor system ends. Any other end (the
/// accept stream failed, the Arbiter refused the worker) runs the phases from <c>service-stop</c> on.
/// </summary>
public static class WorkerShutdown
{
    /// <summary>The reason CoordinatedShutdown runs: the drain the worker was told.</summary>
    public sealed class DrainReason(Drain drain) : CoordinatedShutdown.Reason
    {
        /// <summary>The drain: why, how long, whether to sweep the kernel's queue.</summary>
        public Drain Drain => drain;

        /// <inheritdoc />
        public override int ExitCode => 0;
    }

    /// <summary>Command, to the worker actor: stop accepting as <paramref name="Drain"/> says; complete <paramref name="Done"/> once no accept is left.</summary>
    public sealed record StopAccepting(Drain Drain, TaskCompletionSource Done);

    /// <summary>Starts the drain (a second request while one runs changes nothing).</summary>
    public static void Request(ActorSystem system, Drain drain) => CoordinatedShutdown.Get(system).Run(new DrainReason(drain));

    /// <summary>
    /// Adds the worker's tasks to the phases. <paramref name="exited"/> completes once the worker actor is done (its
    /// connections drained, or it failed); <paramref name="stopApp"/> stops the app's host and waits for lingering closes.
    /// </summary>
    public static void Register(ActorSystem system, IActorRef worker, Task exited, Func<Task> stopApp)
    {
        var shutdown = CoordinatedShutdown.Get(system);
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceUnbind, "stop-accepting", async () =>
        {
            if (shutdown.ShutdownReason is not DrainReason reason) return Done.Instance;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            worker.Tell(new StopAccepting(reason.Drain, done));
            await done.Task;
            return Done.Instance;
        });
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceRequestsDone, "connections-done", async () =>
        {
            await exited;
            return Done.Instance;
        });
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceStop, "stop-app", async () =>
        {
            await stopApp();
            return Done.Instance;
        });
        SerilogAkkaLogger.QuietenAtTermination(system);
    }

    /// <summary>
    /// The phases' timeouts: the worker actor enforces the drain's deadline and the app's host its own, so the phases
    /// only bound what could hang (5 s, Akka's default, would cut a drain short).
    /// </summary>
    public const string Config = """
        akka.coordinated-shutdown.phases.service-unbind.timeout = 60s
        akka.coordinated-shutdown.phases.service-requests-done.timeout = 24d
        akka.coordinated-shutdown.phases.service-stop.timeout = 24d
        """;
}
