using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace AkkaGunicorn.Workers.Apps;

/// <summary>
/// Tells the kind of an app from its assembly's metadata alone, without loading it (the Arbiter checks apps it will
/// never run itself): an assembly that references AkkaGunicorn.Http is a server app; an executable that references
/// ASP.NET Core or the .NET generic host, and not AkkaGunicorn.Http, is an ASP.NET Core app.
/// </summary>
public static class AppProbe
{
    /// <summary>The kind of app at <paramref name="path"/>, or null if it is neither (the loader then explains).</summary>
    public static AppKind? Inspect(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            using var pe = new PEReader(file);
            if (!pe.HasMetadata) return null;
            var metadata = pe.GetMetadataReader();
            var references = metadata.AssemblyReferences.Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name)).ToList();
            if (references.Contains("AkkaGunicorn.Http")) return AppKind.ServerApp;
            bool executable = pe.PEHeaders.CorHeader?.EntryPointTokenOrRelativeVirtualAddress is > 0;
            bool hosted = references.Any(r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) || r == "Microsoft.Extensions.Hosting");
            return executable && hosted ? AppKind.AspNetCore : null;
        }
        catch (Exception e) when (e is BadImageFormatException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
