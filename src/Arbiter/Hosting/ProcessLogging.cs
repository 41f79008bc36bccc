using AkkaGunicorn.Workers.Boot;
using AkkaGunicorn.Workers.Logging;
using AkkaGunicorn.Workers.Observability;

namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>Sets up a process's error log and statsd client, the same way in the Arbiter and in each worker.</summary>
internal static class ProcessLogging
{
    /// <summary>The statsd client for <c>statsd_host</c>, or null when there is none.</summary>
    public static StatsdClient? OpenStatsd(string? host, string prefix, string tags) =>
        host is not null && StatsdTarget.TryParse(host, out var target) ? new StatsdClient(target, prefix, tags) : null;

    /// <summary>
    /// Configures the error log, with log lines counted to statsd and copied to syslog when those are on. Throws
    /// <see cref="InvalidDataException"/> when Serilog cannot use its configuration, <see cref="IOException"/> when the
    /// error log cannot be opened.
    /// </summary>
    public static void Configure(LogSettings log, SyslogSettings? syslog, StatsdClient? statsd)
    {
        var extra = new List<Serilog.Core.ILogEventSink>();
        if (statsd is not null) extra.Add(new LogMetricsSink(statsd));
        if (syslog?.Open("error") is { } writer) extra.Add(new SyslogSink(writer));
        ServerLog.Configure(log.Level, log.ErrorLog, log.Json, log.CaptureOutput, extra, log.ConfigJson, log.ConfigTree);
    }
}
