namespace AkkaGunicorn.Http.App;

/// <summary>Where an app is mounted under a path prefix (Gunicorn's SCRIPT_NAME, ASP.NET Core's PathBase).</summary>
public static class MountPoint
{
    /// <summary>
    /// Whether <paramref name="path"/> is <paramref name="mount"/> or below it: "/app" covers "/app" and "/app/x", not
    /// "/apple" (Gunicorn's plain prefix test would). Case matters, as it does in a URL's path. An empty mount covers
    /// nothing, so that the path stays whole. <paramref name="mount"/> is <see cref="Normalize">normalized</see>.
    /// </summary>
    public static bool Covers(string mount, string path) =>
        mount.Length > 0
        && path.StartsWith(mount, StringComparison.Ordinal)
        && (path.Length == mount.Length || path[mount.Length] == '/');

    /// <summary>A configured mount point as it is matched: no trailing '/' ("/app/" is "/app"; "/" is none).</summary>
    public static string Normalize(string mount) => mount.TrimEnd('/');
}
