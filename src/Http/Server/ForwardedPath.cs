using AkkaGunicorn.Http.App;

namespace AkkaGunicorn.Http.Server;

/// <summary>Mounts a request at <c>root_path</c>, or where a trusted proxy's SCRIPT_NAME header says.</summary>
internal static class ForwardedPath
{
    public static void Resolve(HttpRequest request, HttpServerOptions options, bool trusted)
    {
        string mount = options.RootPath;
        if (trusted && options.Parser.IsForwarderHeader("SCRIPT_NAME"u8) && request.Headers["SCRIPT_NAME"] is { } scriptName)
            mount = MountPoint.Normalize(scriptName);
        if (mount.Length > 0) request.Mount(mount);
    }
}
