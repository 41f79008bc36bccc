namespace AkkaGunicorn.Integration.Tests.Support;

/// <summary>Where the built server and example apps are, for the configuration these tests were built in.</summary>
public static class Paths
{
    public static string Root { get; } = FindRoot();

    private static string Configuration => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    public static string Server => Built("src/Arbiter", "AkkaGunicorn.dll");

    public static string Echo => Built("examples/Echo", "Echo.dll");

    public static string Hello => Built("examples/Hello", "Hello.dll");

    public static string Fragile => Built("tests/Apps/Fragile", "Fragile.dll");

    public static string WebApi => Built("examples/WebApi", "WebApi.dll");

    public static string AspNetProbe => Built("tests/Apps/AspNetProbe", "AspNetProbe.dll");

    public static string Intruder => Built("tests/Apps/Intruder", "Intruder.dll");

    private static string Built(string project, string dll)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, "net10.0", dll);
        if (!File.Exists(path)) throw new FileNotFoundException($"Build the solution first: {path} is missing.");
        return path;
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AkkaGunicorn.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("Cannot find the repository root.");
    }
}
