namespace AkkaGunicorn.Integration.Tests.Support;

/// <summary>A directory like /tmp: everyone may create files in it, and the sticky bit keeps each user's own. Removed on dispose.</summary>
public sealed class SharedDirectory : IDisposable
{
    public SharedDirectory()
    {
        Path = Directory.CreateTempSubdirectory("ag-shared-").FullName;
        System.IO.File.SetUnixFileMode(Path, (UnixFileMode)0b1_111_111_111);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
