using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using AkkaGunicorn.Workers.Protocol;
using AkkaGunicorn.Workers.Sockets;
using Microsoft.Win32.SafeHandles;

namespace AkkaGunicorn.Workers.Boot;

/// <summary>
/// Everything a worker process is told at start, in one record: who it is, where its Arbiter is, what it inherited,
/// its secrets, and its typed settings. The Arbiter writes it into the worker's boot channel, a pipe whose read end
/// only that worker inherits; the worker reads it once, first thing, and closes the channel. Nothing goes through
/// argv or the environment, which other processes of the worker's user can read (<c>/proc/PID/environ</c>) and which
/// the app could read back: the environment only names the channel's descriptor.
/// </summary>
public sealed record WorkerBoot
{
    /// <summary>The environment variable naming the boot channel's descriptor (the number is no secret).</summary>
    public const string DescriptorVariable = "AKKAGUNICORN_BOOT_FD";

    private const int Magic = 0x32424741; // "AGB2"
    private const int MaxSize = 1 << 20;

    /// <summary>The worker's own token and the run's credentials.</summary>
    public required WorkerSecrets Secrets { get; init; }

    /// <summary>The Arbiter actor's remote path.</summary>
    public required string ArbiterPath { get; init; }

    /// <summary>The Arbiter's process id.</summary>
    public required int ArbiterPid { get; init; }

    /// <summary>The configuration generation.</summary>
    public required int Generation { get; init; }

    /// <summary>The worker's slot number (its age, for hooks).</summary>
    public required int Slot { get; init; }

    /// <summary>The lifeline pipe's read end: end of file there means the Arbiter is gone.</summary>
    public required int LifelineDescriptor { get; init; }

    /// <summary>The shared load board's inherited descriptor, or null to accept without balancing.</summary>
    public int? BoardDescriptor { get; init; }

    /// <summary>This worker's entry on the board.</summary>
    public int BoardEntry { get; init; }

    /// <summary>The uid:gid to drop to before the app is loaded, when the Arbiter runs as root; null otherwise.</summary>
    public string? Identity { get; init; }

    /// <summary>The listening sockets inherited from the Arbiter.</summary>
    public required IReadOnlyList<InheritedListener> Listeners { get; init; }

    /// <summary>The settings this worker's generation runs with.</summary>
    public required WorkerSettings Settings { get; init; }

    /// <summary>The bytes the Arbiter writes into the channel.</summary>
    public byte[] ToBytes()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(this, WorkerBootJson.Default.WorkerBoot);
        var bytes = new byte[4 + json.Length];
        BitConverter.TryWriteBytes(bytes, Magic);
        json.CopyTo(bytes, 4);
        return bytes;
    }

    /// <summary>Reads the channel named by the environment to its end and closes it; throws <see cref="SerializationException"/> when there is none.</summary>
    public static WorkerBoot FromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable(DescriptorVariable), out int descriptor)
            ? Read(descriptor)
            : throw new SerializationException($"no boot channel ({DescriptorVariable} is not set)");

    /// <summary>Reads the channel to its end and closes it; throws <see cref="SerializationException"/> when it is not one.</summary>
    public static WorkerBoot Read(int descriptor)
    {
        using var stream = new FileStream(new SafeFileHandle(descriptor, ownsHandle: true), FileAccess.Read, bufferSize: 0);
        var buffer = new byte[MaxSize];
        int length = 0, read;
        while ((read = stream.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
            if (length == buffer.Length) throw new SerializationException("The boot channel holds more than a worker's boot record.");
        }
        if (length < 4 || BitConverter.ToInt32(buffer, 0) != Magic) throw new SerializationException("The boot channel does not start with a worker's boot record.");
        try
        {
            return JsonSerializer.Deserialize(buffer.AsSpan(4, length - 4), WorkerBootJson.Default.WorkerBoot)
                ?? throw new SerializationException("The boot channel holds an empty boot record.");
        }
        catch (JsonException e)
        {
            throw new SerializationException($"The boot channel's record is unreadable: {e.Message}", e);
        }
    }
}

/// <summary>The boot record's JSON, generated at build time: a worker's start-up pays no reflection for it.</summary>
[JsonSerializable(typeof(WorkerBoot))]
internal sealed partial class WorkerBootJson : JsonSerializerContext;
