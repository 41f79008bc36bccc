namespace AkkaGunicorn.Workers.Hosting;

/// <summary>The environment variables through which the Arbiter tells a worker process who it is.</summary>
public static class WorkerEnvironment
{
    /// <summary>The Arbiter actor's remote path.</summary>
    public const string Arbiter = "AKKAGUNICORN_ARBITER";

    /// <summary>The configuration generation.</summary>
    public const string Generation = "AKKAGUNICORN_GENERATION";

    /// <summary>The read end of the lifeline pipe: end of file there means the Arbiter is gone.</summary>
    public const string Lifeline = "AKKAGUNICORN_LIFELINE_FD";

    /// <summary>The effective configuration, as HOCON.</summary>
    public const string Config = "AKKAGUNICORN_CONFIG";

    /// <summary>The Arbiter's process id.</summary>
    public const string ArbiterPid = "AKKAGUNICORN_ARBITER_PID";

    /// <summary>The worker's slot number, its age for hooks.</summary>
    public const string Age = "AKKAGUNICORN_AGE";

    /// <summary>The uid:gid a worker drops to before it loads the app, when the Arbiter runs as root.</summary>
    public const string Identity = "AKKAGUNICORN_IDENTITY";

    /// <summary>Exit code of a worker that could not boot (Gunicorn's WORKER_BOOT_ERROR).</summary>
    public const int BootErrorExitCode = 3;

    /// <summary>Exit code of a worker that could not load its app (Gunicorn's APP_LOAD_ERROR).</summary>
    public const int AppLoadErrorExitCode = 4;

    /// <summary>Exit code of a serving worker whose accept stream failed: it is replaced like a crashed one.</summary>
    public const int AcceptFailedExitCode = 70;
}
