namespace AkkaGunicorn.Arbiter.Cli;

/// <summary>A command line we cannot understand.</summary>
public sealed class UsageException(string message) : Exception(message);
