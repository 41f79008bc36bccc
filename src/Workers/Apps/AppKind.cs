namespace AkkaGunicorn.Workers.Apps;

/// <summary>What kind of app an assembly holds, which decides how a worker runs it.</summary>
public enum AppKind
{
    /// <summary>A class implementing AkkaGunicorn's <c>IHttpApp</c>, constructed by the worker.</summary>
    ServerApp,
    /// <summary>An ordinary ASP.NET Core app: its own Program runs, and its host gets AkkaGunicorn's server.</summary>
    AspNetCore,
}
