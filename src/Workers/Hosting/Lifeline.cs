using Microsoft.Win32.SafeHandles;

namespace AkkaGunicorn.Workers.Hosting;

/// <summary>
/// The worker's end of a pipe whose write end only the Arbiter holds. When the Arbiter dies, however it
/// dies (SIGKILL included), the kernel closes that end and our read returns end of file: then we exit at
/// once. This needs no timer and cannot be fooled by a reused PID.
/// </summary>
public static class Lifeline
{
    /// <summary>Starts watching; <paramref name="onArbiterGone"/> runs on a background thread.</summary>
    public static void Watch(int descriptor, Action onArbiterGone)
    {
        if (descriptor < 0) return;
        var thread = new Thread(() =>
        {
            try
            {
                using var stream = new FileStream(new SafeFileHandle((IntPtr)descriptor, ownsHandle: true), FileAccess.Read, 1);
                var buffer = new byte[1];
                while (stream.Read(buffer, 0, 1) > 0) { }
            }
            catch (IOException)
            {
            }
            onArbiterGone();
        })
        {
            IsBackground = true,
            Name = "arbiter-lifeline",
        };
        thread.Start();
    }
}
