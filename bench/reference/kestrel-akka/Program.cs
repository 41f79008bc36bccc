using Akka.Configuration;
using Akka.Streams;
using AkkaGunicorn.Workers.Hosting;
using AkkaGunicorn.Workers.Remoting;

// AG_FLOOR_AKKA=remote: an actor system as a worker starts it (its configuration, private remoting, a materializer);
// local: the same without remoting; unset: the web template's app alone. Nothing is ever sent to the actor system.
switch (Environment.GetEnvironmentVariable("AG_FLOOR_AKKA"))
{
    case "remote":
        ActorSystemStart.WithConfig("worker", WorkerHost.AkkaConfig, PeerAdmission.Parent()).Materializer();
        break;
    case "local":
        ActorSystemStart.WithConfig("worker", ConfigurationFactory.ParseString("akka.actor.provider = local").WithFallback(WorkerHost.AkkaConfig)).Materializer();
        break;
}

// What `dotnet new web` writes.
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/", () => "Hello World!");
app.Run();
