using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Actor.Setup;
using Akka.Configuration;

namespace AkkaGunicorn.Workers.Hosting;

/// <summary>
/// Starts an actor system from a complete configuration without Akka's app.config lookup. <c>ActorSystem.Create</c>
/// with setups reads the <c>akka</c> section of the process's app.config even when the configuration is given (it
/// evaluates the fallback first), and that loads System.Configuration, System.Private.Xml and their type converters
/// (3 MB of each process's memory, and their start-up) for a file that does not exist. The steps are
/// <c>ActorSystem.Create</c>'s own, without the fallback.
/// </summary>
public static class ActorSystemStart
{
    /// <summary>Creates and starts the actor system <paramref name="name"/> with <paramref name="config"/> and <paramref name="setups"/>.</summary>
    public static ActorSystem WithConfig(string name, Config config, params Setup[] setups)
    {
        var setup = ActorSystemSetup.Create([BootstrapSetup.Create().WithConfig(config), .. setups]);
        var system = new ActorSystemImpl(name, config, setup);
        system.Start();
        return system;
    }
}
