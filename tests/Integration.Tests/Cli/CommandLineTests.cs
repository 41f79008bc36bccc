using System.Diagnostics;
using System.Text.Json;
using AkkaGunicorn.Arbiter.Cli;
using AkkaGunicorn.Arbiter.Settings;
using AkkaGunicorn.Integration.Tests.Support;
using Xunit;

namespace AkkaGunicorn.Integration.Tests.Cli;

/// <summary>The command line as a Gunicorn user meets it: --help, shell-split AKKAGUNICORN_CMD_ARGS, typos.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("--workers 2 --bind 127.0.0.1:9000")]
    [InlineData("  --name 'my app'   -e \"GREETING=hello world\" ")]
    [InlineData("--access-logformat '%(h)s \"%(r)s\" %(s)s'")]
    [InlineData("-e A=\"quoted \\\"inner\\\" \\$HOME\" -e B=it\\'s")]
    [InlineData("-e 'C=back\\slash' -e D=a\\ b")]
    [InlineData("--raw-env X=''")]
    [InlineData("")]
    public void Environment_args_split_as_pythons_shlex_splits_them(string text)
    {
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in (string[])["-c", "import json, shlex, sys; print(json.dumps(shlex.split(sys.argv[1])))", text]) info.ArgumentList.Add(arg);
        using var python = Process.Start(info)!;
        var expected = JsonSerializer.Deserialize<string[]>(python.StandardOutput.ReadToEnd())!;
        python.WaitForExit();
        Assert.Equal(expected, ShellWords.Split(text));
    }

    [Theory]
    [InlineData("--name 'unclosed")]
    [InlineData("--name \"unclosed")]
    public void An_unclosed_quote_is_a_usage_error(string text) =>
        Assert.Contains("no closing quotation", Assert.Throws<UsageException>(() => ShellWords.Split(text)).Message);

    [Theory]
    [InlineData("--wokers", "--workers")]
    [InlineData("--bnid", "--bind")]
    [InlineData("--keepalvie", "--keepalive")]
    [InlineData("--certfle", "--certfile")]
    [InlineData("--max-request", "--max-requests")]
    [InlineData("--chek-config", "--check-config")]
    [InlineData("--quux", null)]
    [InlineData("-z", null)]
    public void A_typo_gets_the_flag_it_was_meant_to_be(string typo, string? meant) => Assert.Equal(meant, FlagSuggestion.For(typo));

    [Fact]
    public void Every_setting_is_documented_in_reference_conf_and_every_documented_key_is_a_setting()
    {
        foreach (var setting in SettingsCatalog.All.Values.Where(d => d.Group.Length > 0))
        {
            Assert.True(ReferenceDocs.All.TryGetValue(setting.Key, out var docs), $"{setting.Key} is not in reference.conf");
            Assert.False(string.IsNullOrWhiteSpace(docs!.Summary), $"{setting.Key} has no comment in reference.conf");
        }
        Assert.Empty(ReferenceDocs.All.Keys.Except(SettingsCatalog.All.Keys));
    }

    [Fact]
    public async Task Help_lists_every_flag_in_its_group_with_its_meaning_and_default()
    {
        await using var server = ServerProcess.Start(["--help"]);
        Assert.Equal(0, await server.WaitForExitAsync());
        var help = string.Join('\n', server.Lines);
        foreach (var group in (string[])["Config:", "Server socket:", "Worker processes:", "Security:", "Logging:", "Server mechanics:", "SSL:"])
            Assert.Contains(group, help);
        foreach (var setting in SettingsCatalog.All.Values.Where(d => d.Group.Length > 0))
            Assert.Contains(HelpText.Flags(setting), help);
        Assert.Contains("-w, --workers INT|auto", help);
        Assert.Contains("Number of worker processes; \"auto\" means 2 x CPUs + 1 [1]", help);
        Assert.Contains("--keep-alive, --keepalive INT", help);
        Assert.Contains("Seconds an idle keep-alive connection waits for its next request [2]", help);
        Assert.Contains("--header-map {drop,refuse,dangerous}", help);
        Assert.Contains("X-FORWARDED-PROTO=https", help);
    }
}
