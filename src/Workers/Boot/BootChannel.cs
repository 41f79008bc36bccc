using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace AkkaGunicorn.Workers.Boot;

/// <summary>
/// A worker's boot channel: a pipe whose read end only that worker inherits, holding two frames. The first is the
/// worker's <see cref="WorkerBoot"/> record, written as soon as the process exists; the worker reads it first thing.
/// The second is the Arbiter actor's remote path, which the worker needs only to register, once its app is up.
/// The Arbiter writes it when it takes the worker into a slot, which can be later: the first workers are started while
/// the Arbiter's own actor system is still starting, so that the two start-ups overlap (README, How it works: start-up).
/// After the path the Arbiter closes its end.
/// </summary>
public sealed class BootChannel : IDisposable
{
    /// <summary>The environment variable naming the boot channel's descriptor (the number is no secret).</summary>
    public const string DescriptorVariable = "AKKAGUNICORN_BOOT_FD";

    private const int RecordMagic = 0x34424741, PathMagic = 0x50424741; // "AGB4", "AGBP"
    private const int MaxRecord = 1 << 20, MaxPath = 4096;
    private readonly FileStream _stream;

    /// <summary>Reads the channel at <paramref name="descriptor"/>, which it owns from now on.</summary>
    public BootChannel(int descriptor)
    {
        Descriptor = descriptor;
        _stream = new FileStream(new SafeFileHandle(descriptor, ownsHandle: true), FileAccess.Read, bufferSize: 0);
    }

    /// <summary>The channel's descriptor.</summary>
    public int Descriptor { get; }

    /// <summary>The channel named by the environment; throws <see cref="SerializationException"/> when there is none.</summary>
    public static BootChannel FromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable(DescriptorVariable), out int descriptor)
            ? new BootChannel(descriptor)
            : throw new SerializationException($"no boot channel ({DescriptorVariable} is not set)");

    /// <summary>The first frame's bytes: <paramref name="boot"/>.</summary>
    public static byte[] RecordFrame(WorkerBoot boot) => Frame(RecordMagic, BootRecordCodec.Encode(boot));

    /// <summary>The second frame's bytes: the Arbiter actor's remote path.</summary>
    public static byte[] PathFrame(string arbiterPath) => Frame(PathMagic, Encoding.UTF8.GetBytes(arbiterPath));

    /// <summary>Reads the record; throws <see cref="SerializationException"/> when the channel does not start with one.</summary>
    public WorkerBoot ReadRecord() => BootRecordCodec.Decode(ReadFrame(RecordMagic, MaxRecord, "a worker's boot record"));

    /// <summary>
    /// Waits, on a thread of its own, for the Arbiter's path after the record, then closes the channel. Faults with
    /// <see cref="SerializationException"/> when the channel ends without one (the Arbiter gave the worker no slot).
    /// </summary>
    public Task<string> ReadArbiterPathAsync() => Task.Factory.StartNew(() =>
    {
        using (this) return Encoding.UTF8.GetString(ReadFrame(PathMagic, MaxPath, "the Arbiter's path"));
    }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    private static byte[] Frame(int magic, byte[] payload)
    {
        var bytes = new byte[8 + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, magic);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), payload.Length);
        payload.CopyTo(bytes, 8);
        return bytes;
    }

    private byte[] ReadFrame(int magic, int maxLength, string what)
    {
        var head = new byte[8];
        if (!ReadExactly(head) || BinaryPrimitives.ReadInt32LittleEndian(head) != magic)
            throw new SerializationException($"The boot channel does not hold {what}.");
        int length = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(4));
        if (length < 0 || length > maxLength) throw new SerializationException($"The boot channel's {what} is {length} bytes, more than {maxLength}.");
        var payload = new byte[length];
        if (!ReadExactly(payload)) throw new SerializationException($"The boot channel ends inside {what}.");
        return payload;
    }

    private bool ReadExactly(Span<byte> buffer)
    {
        for (int at = 0, read; at < buffer.Length; at += read)
            if ((read = _stream.Read(buffer[at..])) == 0) return false;
        return true;
    }
}
