using System.Reflection;
using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Hooks;

namespace AkkaGunicorn.Workers.Apps;

/// <summary>
/// An app assembly: for a server app, its app type and, if it has one, its server hooks type; an ASP.NET Core app
/// is not loaded here at all (its worker runs its Program, see AspNetCoreHost).
/// </summary>
/// <param name="Kind">How a worker runs it.</param>
/// <param name="AppType">The <see cref="IHttpApp"/> to serve; null for an ASP.NET Core app.</param>
/// <param name="HooksType">The <see cref="IServerHooks"/> class, or null.</param>
public sealed record AppAssembly(AppKind Kind, Type? AppType, Type? HooksType)
{
    /// <summary>Constructs a server app. Throws <see cref="AppLoadException"/>.</summary>
    public IHttpApp CreateApp() => AppType is { } type
        ? (IHttpApp)Construct(type, "app")
        : throw new InvalidOperationException("An ASP.NET Core app is started by running its Program, not constructed.");

    /// <summary>Constructs the hooks, or returns null when the assembly has none. Throws <see cref="AppLoadException"/>.</summary>
    public IServerHooks? CreateHooks() => HooksType is null ? null : (IServerHooks)Construct(HooksType, "hooks");

    private static object Construct(Type type, string what)
    {
        try
        {
            return Activator.CreateInstance(type)!;
        }
        catch (Exception e) when (e is MissingMethodException or TargetInvocationException or MemberAccessException)
        {
            if (e is TargetInvocationException { InnerException: { } inner })
                throw new AppLoadException(AppLoadError.ConstructionFailed,
                    $"{what}: {type.FullName}'s constructor threw {inner.GetType().Name}: {inner.Message}", inner);
            throw new AppLoadException(AppLoadError.ConstructionFailed,
                $"{what}: {type.FullName} could not be constructed ({e.GetType().Name}: {e.Message}); it needs a public parameterless constructor", e);
        }
    }
}
