namespace AkkaGunicorn.AspNetCore.Hosting;

/// <summary>Why an ASP.NET Core app could not be started in a worker.</summary>
public enum AppHostError
{
    /// <summary>The assembly, or one of its dependencies, could not be loaded.</summary>
    AssemblyLoadFailed,
    /// <summary>The assembly has no entry point (it is a library, not an app).</summary>
    NoEntryPoint,
    /// <summary>The app's Program threw before its host was serving.</summary>
    ProgramFailed,
    /// <summary>The app's Program returned without starting a web host.</summary>
    NoWebHost,
}

/// <summary>An ASP.NET Core app that cannot be started; the message says what happened, in the app's terms.</summary>
public sealed class AppHostException(AppHostError reason, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Why.</summary>
    public AppHostError Reason { get; } = reason;
}
