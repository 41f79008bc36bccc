namespace AkkaGunicorn.Workers.Apps;

/// <summary>Why an app could not be loaded.</summary>
public enum AppLoadError
{
    /// <summary>The APP argument is not <c>PATH.dll[:Type]</c>.</summary>
    BadSpec,
    /// <summary>No file at the path.</summary>
    AssemblyNotFound,
    /// <summary>The file is not a loadable .NET assembly, or a dependency is missing.</summary>
    AssemblyLoadFailed,
    /// <summary>No type, or more than one, implements the app interface; or the named type does not exist.</summary>
    TypeNotFound,
    /// <summary>The named type does not implement the app interface.</summary>
    NotAnApp,
    /// <summary>The app's constructor threw or is missing.</summary>
    ConstructionFailed,
}

/// <summary>An app that cannot be loaded; the message names the app and what is allowed.</summary>
public sealed class AppLoadException(AppLoadError reason, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Why.</summary>
    public AppLoadError Reason { get; } = reason;
}
