using System.Diagnostics;

namespace AkkaGunicorn.Integration.Tests.Support;

/// <summary>
/// Another local user, created for the tests that check who may reach what: an unprivileged account with no home and
/// no shell, made with useradd when the tests run as root (as in CI) and removed afterwards if these tests made it.
/// Where none can be made, <see cref="Unavailable"/> says why and those tests skip with that reason.
/// </summary>
public sealed class SecondUser : IDisposable
{
    public const string Name = "ag-intruder";
    private readonly bool _created;

    public SecondUser()
    {
        if (Environment.UserName != "root" && Run("id", "-u").Output.Trim() != "0")
        {
            Unavailable = "the tests do not run as root, so no second user can be created";
            return;
        }
        if (Run("id", "-u", Name).Code != 0)
        {
            var made = Run("useradd", "--system", "--no-create-home", "--user-group", "--shell", "/usr/sbin/nologin", Name);
            if (made.Code != 0)
            {
                Unavailable = $"useradd {Name} failed: {made.Error.Trim()}";
                return;
            }
            _created = true;
        }
        Uid = uint.Parse(Run("id", "-u", Name).Output);
        Gid = uint.Parse(Run("id", "-g", Name).Output);
    }

    /// <summary>Why no second user is available, or null.</summary>
    public string? Unavailable { get; }

    public uint Uid { get; }

    public uint Gid { get; }

    /// <summary>A start info that runs <paramref name="file"/> as this user, with no supplementary groups and no way back up.</summary>
    public ProcessStartInfo As(string file, params string[] args)
    {
        var info = new ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var arg in (string[])[$"--reuid={Uid}", $"--regid={Gid}", "--clear-groups", "--no-new-privs", "--", file, .. args])
            info.ArgumentList.Add(arg);
        // The system's PATH: this user cannot run anything from root's home (a pyenv python, say).
        info.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        info.Environment["HOME"] = "/nonexistent";
        info.Environment["DOTNET_CLI_HOME"] = "/tmp";
        info.Environment.Remove("XDG_RUNTIME_DIR");
        return info;
    }

    /// <summary>Runs a command as this user to its end (within a minute) and returns what it said.</summary>
    public async Task<(int Code, string Output, string Error)> RunAsync(string file, params string[] args)
    {
        using var process = Process.Start(As(file, args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        return (process.ExitCode, await output, await error);
    }

    private static (int Code, string Output, string Error) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output, error);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, "", e.Message);
        }
    }

    public void Dispose()
    {
        if (_created) Run("userdel", Name);
    }
}
