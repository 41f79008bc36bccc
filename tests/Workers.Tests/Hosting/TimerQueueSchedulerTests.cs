using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using AkkaGunicorn.Workers.Hosting;
using Xunit;

namespace AkkaGunicorn.Workers.Tests.Hosting;

/// <summary>The scheduler the server's actor systems run on: once, repeatedly, cancelled, and quiet when nothing is due.</summary>
public sealed class TimerQueueSchedulerTests() : TestKit(ConfigurationFactory.ParseString(TimerQueueScheduler.Config))
{
    [Fact]
    public void The_actor_system_runs_on_it()
    {
        Assert.IsType<TimerQueueScheduler>(Sys.Scheduler);
    }

    [Fact]
    public void A_message_is_told_once_after_its_delay()
    {
        var start = DateTime.UtcNow;
        Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(100), TestActor, "once", ActorRefs.NoSender);
        ExpectMsg("once", TimeSpan.FromSeconds(10));
        Assert.True(DateTime.UtcNow - start >= TimeSpan.FromMilliseconds(90));
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void A_repeated_message_comes_until_cancelled()
    {
        var cancel = Sys.Scheduler.ScheduleTellRepeatedlyCancelable(TimeSpan.Zero, TimeSpan.FromMilliseconds(20), TestActor, "tick", ActorRefs.NoSender);
        for (int i = 0; i < 5; i++) ExpectMsg("tick", TimeSpan.FromSeconds(10));
        cancel.Cancel();
        // At most one tick was already on its way when the cancellation came.
        ReceiveWhile(TimeSpan.FromMilliseconds(100), m => m, 2);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void A_cancelled_message_never_comes()
    {
        var cancel = Sys.Scheduler.ScheduleTellOnceCancelable(TimeSpan.FromMilliseconds(200), TestActor, "never", ActorRefs.NoSender);
        cancel.Cancel();
        ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void An_action_that_throws_does_not_stop_the_others()
    {
        Sys.Scheduler.Advanced.ScheduleOnce(TimeSpan.FromMilliseconds(10), () => throw new InvalidOperationException("boom"));
        Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(50), TestActor, "after", ActorRefs.NoSender);
        ExpectMsg("after", TimeSpan.FromSeconds(10));
    }
}
