namespace AkkaGunicorn.Workers.Apps;

/// <summary>The APP argument: <c>PATH/TO/Assembly.dll[:Namespace.Type]</c>.</summary>
/// <param name="AssemblyPath">Full path of the app's assembly.</param>
/// <param name="TypeName">The app type's full name, or null to pick the only one.</param>
public sealed record AppSpec(string AssemblyPath, string? TypeName)
{
    /// <summary>Parses the argument, resolving the path against <paramref name="baseDirectory"/>.</summary>
    public static AppSpec Parse(string text, string baseDirectory)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new AppLoadException(AppLoadError.BadSpec, "app: no APP given; expected PATH/TO/Assembly.dll[:Namespace.Type]");
        // A ':' after the ".dll" separates the type; Windows-style drive letters are not a concern here.
        int dll = text.LastIndexOf(".dll", StringComparison.OrdinalIgnoreCase);
        string path = text, type = "";
        if (dll > 0 && dll + 4 < text.Length && text[dll + 4] == ':')
        {
            path = text[..(dll + 4)];
            type = text[(dll + 5)..];
        }
        if (!path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            throw new AppLoadException(AppLoadError.BadSpec, $"app: '{text}' is not PATH/TO/Assembly.dll[:Namespace.Type]");
        return new AppSpec(Path.GetFullPath(path, baseDirectory), type.Length == 0 ? null : type);
    }

    /// <inheritdoc />
    public override string ToString() => TypeName is null ? AssemblyPath : $"{AssemblyPath}:{TypeName}";
}
