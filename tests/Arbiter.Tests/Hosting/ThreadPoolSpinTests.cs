using AkkaGunicorn.Arbiter.Hosting;
using Xunit;

namespace AkkaGunicorn.Arbiter.Tests.Hosting;

/// <summary>Whose choice the thread pool's spin limit is: the server's only when nobody else made one.</summary>
public sealed class ThreadPoolSpinTests
{
    [Fact]
    public void Nobody_chose_when_neither_variable_nor_runtimeconfig_names_it() =>
        Assert.False(ThreadPoolSpin.Chosen([null, null], null));

    [Fact]
    public void An_empty_variable_is_no_choice() => Assert.False(ThreadPoolSpin.Chosen(["", null], null));

    [Theory]
    [InlineData("5", null)]
    [InlineData(null, "5")]
    public void Either_variable_is_the_operators_choice(string? dotnet, string? complus) =>
        Assert.True(ThreadPoolSpin.Chosen([dotnet, complus], null));

    [Fact]
    public void The_apps_runtimeconfig_is_its_choice() => Assert.True(ThreadPoolSpin.Chosen([null, null], "7"));
}
