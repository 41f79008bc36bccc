using System.Reflection;
using System.Runtime.Loader;
using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Hooks;

namespace AkkaGunicorn.Workers.Apps;

/// <summary>
/// Loads an app assembly and finds its <see cref="IHttpApp"/>. The app's own dependencies resolve from
/// its folder (through its .deps.json); the ones this server already has, such as AkkaGunicorn.Http,
/// resolve to ours, so the app's IHttpApp is the same type as the server's.
/// </summary>
public static class AppLoader
{
    /// <summary>Loads and instantiates the app. Throws <see cref="AppLoadException"/>.</summary>
    public static IHttpApp Load(AppSpec spec, bool collectible = false) => Open(spec, collectible).CreateApp();

    /// <summary>
    /// Loads the app's assembly and finds its app type and its hooks type, if any; <paramref name="kind"/> is the app's
    /// kind when already read from its metadata (<see cref="AppProbe"/>). Throws <see cref="AppLoadException"/>.
    /// </summary>
    public static AppAssembly Open(AppSpec spec, bool collectible = false, AppKind? kind = null)
    {
        if (!File.Exists(spec.AssemblyPath))
            throw new AppLoadException(AppLoadError.AssemblyNotFound, $"app: '{spec.AssemblyPath}' does not exist; expected a .NET assembly (.dll)");
        if ((kind ?? AppProbe.Inspect(spec.AssemblyPath)) == AppKind.AspNetCore)
        {
            if (spec.TypeName is { } type)
                throw new AppLoadException(AppLoadError.BadSpec,
                    $"app: '{spec.AssemblyPath}' is an ASP.NET Core app, which runs its own Program; drop ':{type}'");
            return new AppAssembly(AppKind.AspNetCore, null, null);
        }
        Assembly assembly;
        Type[] types;
        try
        {
            assembly = new AppLoadContext(spec.AssemblyPath, collectible).LoadFromAssemblyPath(spec.AssemblyPath);
            types = assembly.GetExportedTypes();
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException or ReflectionTypeLoadException or TypeLoadException)
        {
            throw new AppLoadException(AppLoadError.AssemblyLoadFailed, $"app: '{spec.AssemblyPath}' could not be loaded: {e.Message}", e);
        }
        var hooks = Implementations<IServerHooks>(types);
        if (hooks.Count > 1)
            throw new AppLoadException(AppLoadError.TypeNotFound,
                $"app: '{spec.AssemblyPath}' has several {typeof(IServerHooks).FullName} types ({Describe(hooks)}); keep one");
        return new AppAssembly(AppKind.ServerApp, FindAppType(spec, assembly, Implementations<IHttpApp>(types)), hooks.SingleOrDefault());
    }

    private static List<Type> Implementations<T>(Type[] types) =>
        types.Where(t => t is { IsClass: true, IsAbstract: false } && typeof(T).IsAssignableFrom(t)).ToList();

    private static Type FindAppType(AppSpec spec, Assembly assembly, List<Type> apps)
    {
        if (spec.TypeName is { } name)
        {
            var named = assembly.GetType(name);
            if (named is null)
                throw new AppLoadException(AppLoadError.TypeNotFound,
                    $"app: type '{name}' not found in '{spec.AssemblyPath}'; app types there: {Describe(apps)}");
            if (!apps.Contains(named))
                throw new AppLoadException(AppLoadError.NotAnApp,
                    $"app: '{name}' does not implement {typeof(IHttpApp).FullName}; app types there: {Describe(apps)}");
            return named;
        }
        return apps.Count switch
        {
            1 => apps[0],
            0 => throw new AppLoadException(AppLoadError.TypeNotFound,
                $"app: '{spec.AssemblyPath}' has no public class implementing {typeof(IHttpApp).FullName}, and it is not an ASP.NET Core app (an executable referencing ASP.NET Core)"),
            _ => throw new AppLoadException(AppLoadError.TypeNotFound,
                $"app: '{spec.AssemblyPath}' has several app types; name one as PATH.dll:Type, one of: {Describe(apps)}"),
        };
    }

    private static string Describe(List<Type> apps) => apps.Count == 0 ? "(none)" : string.Join(", ", apps.Select(t => t.FullName));

    private sealed class AppLoadContext(string mainAssembly, bool collectible) : AssemblyLoadContext($"app:{Path.GetFileName(mainAssembly)}", collectible)
    {
        private readonly AssemblyDependencyResolver _resolver = new(mainAssembly);

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            // Share every assembly the server itself has: above all AkkaGunicorn.Http, whose IHttpApp must be one type.
            if (Default.Assemblies.Any(a => AssemblyName.ReferenceMatchesDefinition(a.GetName(), assemblyName))) return null;
            var path = _resolver.ResolveAssemblyToPath(assemblyName);
            if (path is null) return null;
            try
            {
                return Default.LoadFromAssemblyName(assemblyName);
            }
            catch (FileNotFoundException)
            {
                return LoadFromAssemblyPath(path);
            }
        }
    }
}
