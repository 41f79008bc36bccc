// The tests drive the Linux-only Arbiter.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
