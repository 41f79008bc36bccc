namespace AkkaGunicorn.AspNetCore.Hosting;

/// <summary>How to start an ASP.NET Core app in a worker.</summary>
/// <param name="AssemblyPath">The app's main assembly (its .dll, with its .deps.json beside it).</param>
/// <param name="Urls">The addresses the worker serves, as URLs (what the app logs as "Now listening on").</param>
public sealed record AspNetCoreHostOptions(string AssemblyPath, IReadOnlyList<string> Urls)
{
    /// <summary>The arguments the app's Main receives.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];
}
