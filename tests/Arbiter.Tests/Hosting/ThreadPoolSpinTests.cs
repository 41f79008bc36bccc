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

    [Theory]
    [InlineData(1, 1, true)]     // alone, even on one core: nothing else busy to steal from
    [InlineData(1, 32, true)]
    [InlineData(4, 32, true)]    // cores to spare
    [InlineData(2, 2, false)]    // as many workers as cores: each spin takes a sibling's CPU
    [InlineData(65, 32, false)]  // Gunicorn's advice, 2 per core + 1
    public void Workers_spin_only_with_cores_to_spare(int workers, int processors, bool spins) =>
        Assert.Equal(spins, ThreadPoolSpin.Pays(workers, processors));

    [Fact]
    public void The_apps_runtimeconfig_is_its_choice() => Assert.True(ThreadPoolSpin.Chosen([null, null], "7"));
}
