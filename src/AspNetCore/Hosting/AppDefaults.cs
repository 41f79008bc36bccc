using System.Reflection;

namespace AkkaGunicorn.AspNetCore.Hosting;

/// <summary>
/// What the app would have as the process's entry assembly under <c>dotnet App.dll</c>. It is made the entry
/// assembly, and its folder the base directory (<c>AppContext.BaseDirectory</c>), where MapStaticAssets looks for its
/// manifest and libraries look for files published beside the app. Its host reads the rest from the environment: its
/// application name (MVC finds controllers, and user secrets their id, by this name) and its content root, its own
/// folder, where <c>dotnet publish</c> puts appsettings.json and wwwroot. Values already in the environment win.
/// </summary>
internal static class AppDefaults
{
    public static void Apply(string assemblyPath, Assembly assembly)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(assemblyPath))!;
        // The runtime reads the base directory from this property on every call: the app sees its own folder from here on.
        AppContext.SetData("APP_CONTEXT_BASE_DIRECTORY", folder + Path.DirectorySeparatorChar);
        Assembly.SetEntryAssembly(assembly);
        SetUnlessGiven("APPLICATIONNAME", assembly.GetName().Name!);
        SetUnlessGiven("CONTENTROOT", folder);
    }

    private static void SetUnlessGiven(string key, string value)
    {
        string aspNet = "ASPNETCORE_" + key, dotnet = "DOTNET_" + key;
        if (Environment.GetEnvironmentVariable(aspNet) is { Length: > 0 } || Environment.GetEnvironmentVariable(dotnet) is { Length: > 0 }) return;
        Environment.SetEnvironmentVariable(aspNet, value);
        Environment.SetEnvironmentVariable(dotnet, value);
    }
}
