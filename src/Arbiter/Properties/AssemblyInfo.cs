// The Arbiter relies on POSIX: signals, descriptor inheritance, pipes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
