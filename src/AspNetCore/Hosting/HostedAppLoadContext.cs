using System.Reflection;
using System.Runtime.Loader;

namespace AkkaGunicorn.AspNetCore.Hosting;

/// <summary>
/// Loads an ASP.NET Core app with its own dependencies, as <c>dotnet App.dll</c> would: the shared frameworks
/// (.NET and ASP.NET Core) are the process's, so IServer and the features are one type on both sides; everything
/// else comes from the app's folder through its .deps.json, so the app's versions of libraries the server also uses
/// (Serilog, Newtonsoft.Json, ...) are its own. Framework code that loads the app's assemblies by name (MVC finding
/// its controllers, for one) finds them through the default context.
/// </summary>
internal sealed class HostedAppLoadContext : AssemblyLoadContext
{
    private static readonly HashSet<string> Framework = FrameworkAssemblyNames();
    private readonly AssemblyDependencyResolver _resolver;

    public HostedAppLoadContext(string mainAssembly) : base($"app:{Path.GetFileName(mainAssembly)}")
    {
        _resolver = new AssemblyDependencyResolver(mainAssembly);
        Default.Resolving += (_, name) => Owns(name) ? LoadFromAssemblyName(name) : null;
        Default.ResolvingUnmanagedDll += (_, name) => LoadUnmanagedDll(name);
    }

    protected override Assembly? Load(AssemblyName name)
    {
        if (!Owns(name)) return null;
        return LoadFromAssemblyPath(_resolver.ResolveAssemblyToPath(name)!);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
        _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;

    private bool Owns(AssemblyName name) =>
        name.Name is { } simple && !Framework.Contains(simple) && _resolver.ResolveAssemblyToPath(name) is not null;

    /// <summary>The simple names of the assemblies in the shared frameworks this process runs on.</summary>
    private static HashSet<string> FrameworkAssemblyNames()
    {
        var folders = new[] { typeof(object).Assembly.Location, typeof(Microsoft.AspNetCore.Hosting.Server.IServer).Assembly.Location }
            .Select(Path.GetDirectoryName).OfType<string>().ToHashSet();
        var trusted = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return trusted.Where(p => Path.GetDirectoryName(p) is { } dir && folders.Contains(dir))
            .Select(Path.GetFileNameWithoutExtension).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
    }
}
