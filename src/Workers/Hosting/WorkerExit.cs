namespace AkkaGunicorn.Workers.Hosting;

/// <summary>The exit codes through which a worker tells the Arbiter why it ended.</summary>
public static class WorkerExit
{
    /// <summary>The worker could not boot (Gunicorn's WORKER_BOOT_ERROR).</summary>
    public const int BootError = 3;

    /// <summary>The worker could not load its app (Gunicorn's APP_LOAD_ERROR).</summary>
    public const int AppLoadError = 4;

    /// <summary>A serving worker's accept stream failed: it is replaced like a crashed one.</summary>
    public const int AcceptFailed = 70;
}
