using System.Reflection;

namespace AkkaGunicorn.AspNetCore.Hosting;

/// <summary>
/// What the app would take from being the process's entry assembly, set through the environment its host reads:
/// its application name (the entry assembly here is AkkaGunicorn; MVC finds controllers, and user secrets their id,
/// by this name) and its content root, its own folder, where <c>dotnet publish</c> puts appsettings.json and
/// wwwroot. Values already in the environment win.
/// </summary>
internal static class AppDefaults
{
    public static void Apply(string assemblyPath, Assembly assembly)
    {
        SetUnlessGiven("APPLICATIONNAME", assembly.GetName().Name!);
        SetUnlessGiven("CONTENTROOT", Path.GetDirectoryName(Path.GetFullPath(assemblyPath))!);
    }

    private static void SetUnlessGiven(string key, string value)
    {
        string aspNet = "ASPNETCORE_" + key, dotnet = "DOTNET_" + key;
        if (Environment.GetEnvironmentVariable(aspNet) is { Length: > 0 } || Environment.GetEnvironmentVariable(dotnet) is { Length: > 0 }) return;
        Environment.SetEnvironmentVariable(aspNet, value);
        Environment.SetEnvironmentVariable(dotnet, value);
    }
}
