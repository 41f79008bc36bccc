using System.Reflection;
using System.Runtime.ExceptionServices;

namespace AkkaGunicorn.AspNetCore.Hosting;

/// <summary>Runs an app's Main on a thread of its own: it blocks in app.Run() for as long as the app serves.</summary>
internal static class ProgramThread
{
    /// <summary>Starts Main; the task completes when it returns, faulted with what it threw.</summary>
    public static Task Run(MethodInfo entryPoint, string[] args)
    {
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                var result = entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? [] : [args]);
                if (result is Task task) task.GetAwaiter().GetResult();
                exited.TrySetResult();
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                exited.TrySetException(e.InnerException);
            }
            catch (Exception e)
            {
                exited.TrySetException(e);
            }
        })
        {
            // The worker decides when the process ends, not the app's Main.
            IsBackground = true,
            Name = "app Main",
        };
        thread.Start();
        return exited.Task;
    }
}
