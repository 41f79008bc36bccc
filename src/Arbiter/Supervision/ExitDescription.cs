namespace AkkaGunicorn.Arbiter.Supervision;

/// <summary>Describes how a process ended, as a log line wants it.</summary>
public static class ExitDescription
{
    private static readonly Dictionary<int, string> SignalNames = new()
    {
        [1] = "HUP", [2] = "INT", [3] = "QUIT", [4] = "ILL", [6] = "ABRT", [7] = "BUS", [8] = "FPE", [9] = "KILL",
        [10] = "USR1", [11] = "SEGV", [12] = "USR2", [13] = "PIPE", [14] = "ALRM", [15] = "TERM",
    };

    /// <summary>"exited with code N" or "was killed by signal NAME" (.NET reports a signal death as 128 + signal).</summary>
    public static string Of(int exitCode) => exitCode > 128 && exitCode < 160
        ? $"was killed by signal {SignalNames.GetValueOrDefault(exitCode - 128, (exitCode - 128).ToString())}"
        : $"exited with code {exitCode}";
}
