using AkkaGunicorn.Arbiter.Hosting;
using Xunit;

namespace AkkaGunicorn.Arbiter.Tests.Hosting;

/// <summary>When an app's workers must roll forward: a framework its runtimeconfig names is older than the server's runtime.</summary>
public sealed class WorkerRuntimeTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"runtimeconfig-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_path);

    private bool Older(string json)
    {
        File.WriteAllText(_path, json);
        return WorkerRuntime.TargetsOlderRuntime(_path);
    }

    private static string Major(int offset) => $"{Environment.Version.Major + offset}.0.0";

    [Fact]
    public void One_framework_of_an_older_major_version_rolls_forward() =>
        Assert.True(Older($$"""{ "runtimeOptions": { "tfm": "net8.0", "framework": { "name": "Microsoft.NETCore.App", "version": "{{Major(-2)}}" } } }"""));

    [Fact]
    public void The_servers_own_major_version_does_not() =>
        Assert.False(Older($$"""{ "runtimeOptions": { "framework": { "name": "Microsoft.NETCore.App", "version": "{{Major(0)}}" } } }"""));

    [Fact]
    public void Any_older_framework_of_several_rolls_forward() =>
        Assert.True(Older($$"""
            {
              // As the SDK writes a web app's: two frameworks.
              "runtimeOptions": {
                "frameworks": [
                  { "name": "Microsoft.NETCore.App", "version": "{{Major(0)}}" },
                  { "name": "Microsoft.AspNetCore.App", "version": "{{Major(-1)}}" },
                ],
                "configProperties": { "System.GC.Server": true }
              }
            }
            """));

    [Fact]
    public void A_version_outside_the_frameworks_is_not_read() =>
        Assert.False(Older($$"""
            { "runtimeOptions": { "framework": { "name": "Microsoft.NETCore.App", "version": "{{Major(0)}}" },
              "configProperties": { "version": "1.0.0", "Some.Switch": { "version": "2.0" } } }, "version": "3.0" }
            """));

    [Theory]
    [InlineData("")]
    [InlineData("{ \"runtimeOptions\": ")]
    [InlineData("not json")]
    public void An_unreadable_file_does_not(string json) => Assert.False(Older(json));
}
