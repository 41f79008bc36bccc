using System.Diagnostics;

namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>How to start this same binary again: as a worker, or as the next Arbiter on an upgrade.</summary>
public static class ThisExecutable
{
    /// <summary>A start info for this binary; run as <c>dotnet AkkaGunicorn.dll</c>, the child needs the dll path first.</summary>
    public static ProcessStartInfo StartInfo()
    {
        var processPath = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(processPath) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet") info.ArgumentList.Add(typeof(ThisExecutable).Assembly.Location);
        return info;
    }
}
