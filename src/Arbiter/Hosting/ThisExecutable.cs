using System.Diagnostics;
using AkkaGunicorn.Arbiter.Native;
using AkkaGunicorn.Workers.Boot;
using Microsoft.Win32.SafeHandles;

namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>How to start this same binary again: as a worker, or as the next Arbiter on an upgrade.</summary>
public static class ThisExecutable
{
    /// <summary>The argument that starts the binary as a worker (it also tells a worker from an Arbiter in <c>ps</c>).</summary>
    public const string WorkerArgument = "worker";

    // A descriptor made inheritable for one child would be inherited by any other child started meanwhile: every
    // child of this process starts under this lock.
    private static readonly object SpawnGate = new();

    /// <summary>A start info for this binary; run as <c>dotnet AkkaGunicorn.dll</c>, the child needs the dll path first.</summary>
    public static ProcessStartInfo StartInfo()
    {
        var processPath = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(processPath) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet") info.ArgumentList.Add(typeof(ThisExecutable).Assembly.Location);
        return info;
    }

    /// <summary>A start info for a worker: this binary, under the app's runtime settings when it has its own.</summary>
    public static ProcessStartInfo WorkerStartInfo(WorkerRuntime runtime)
    {
        if (runtime.RuntimeConfig is not { } runtimeConfig)
        {
            var own = StartInfo();
            own.ArgumentList.Add(WorkerArgument);
            return own;
        }
        var dll = typeof(ThisExecutable).Assembly.Location;
        var info = new ProcessStartInfo(Muxer()) { UseShellExecute = false };
        foreach (var argument in (string[])["exec", "--runtimeconfig", runtimeConfig, "--depsfile", Path.ChangeExtension(dll, ".deps.json")])
            info.ArgumentList.Add(argument);
        if (runtime.RollForward)
        {
            info.ArgumentList.Add("--roll-forward");
            info.ArgumentList.Add("LatestMajor");
        }
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add(WorkerArgument);
        return info;
    }

    /// <summary>The <c>dotnet</c> host: this process's own, or the one of the runtime this process runs on.</summary>
    private static string Muxer()
    {
        if (Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet") return path;
        // shared/Microsoft.NETCore.App/VERSION/ is three levels below the dotnet root.
        var runtime = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory();
        return Path.GetFullPath(Path.Combine(runtime, "..", "..", "..", "dotnet"));
    }

    /// <summary>Starts a child.</summary>
    public static Process Start(ProcessStartInfo info)
    {
        lock (SpawnGate) return Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start");
    }

    /// <summary>
    /// Starts a worker whose <see cref="BootChannel"/> holds <paramref name="boot"/> and then the path
    /// <paramref name="arbiterPath"/> completes with: a pipe whose read end only this child inherits, written once the
    /// child exists and closed after the path (or as soon as <paramref name="arbiterPath"/> is cancelled).
    /// </summary>
    public static Process StartWorker(ProcessStartInfo info, WorkerBoot boot, Task<string> arbiterPath)
    {
        var record = BootChannel.RecordFrame(boot);
        Process process;
        SafeFileHandle writer;
        lock (SpawnGate)
        {
            var (read, write) = Libc.Pipe();
            writer = new SafeFileHandle(write, ownsHandle: true);
            using var reader = new SafeFileHandle(read, ownsHandle: true);
            Libc.ClearCloseOnExec(read);
            info.Environment[BootChannel.DescriptorVariable] = read.ToString();
            try
            {
                process = Process.Start(info) ?? throw new InvalidOperationException("Could not start a worker process.");
            }
            catch
            {
                writer.Dispose();
                throw;
            }
        }
        // The record can be more than a pipe holds, so it is written while the child reads it, first thing it does; the
        // path may come much later. A thread of its own, as for the lifeline: the wait is on a pipe.
        var feeding = new Thread(() =>
        {
            using var stream = new FileStream(writer, FileAccess.Write, bufferSize: 0);
            try
            {
                stream.Write(record);
                stream.Write(BootChannel.PathFrame(arbiterPath.GetAwaiter().GetResult()));
            }
            catch (IOException)
            {
                // The child died before it read its record: its exit is reported as a failed boot.
            }
            catch (OperationCanceledException)
            {
                // No path will come (the Arbiter stopped before a slot took the worker): the end of the channel tells
                // the worker so.
            }
        }) { IsBackground = true, Name = "boot channel" };
        feeding.Start();
        return process;
    }
}
