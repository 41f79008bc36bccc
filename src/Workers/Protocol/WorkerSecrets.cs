using System.Runtime.Serialization;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace AkkaGunicorn.Workers.Protocol;

/// <summary>
/// What only one worker may know, handed over through its boot channel: a pipe whose read end it alone inherits and
/// reads once, at start. Never argv or the environment, which other processes of the worker's user can read
/// (<c>/proc/PID/environ</c>) and which the app could read back.
/// </summary>
/// <param name="Token">The worker's own token (see the protocol's messages).</param>
/// <param name="Credentials">The run's credentials, as <see cref="RunCredentials.Export"/> gives them.</param>
public sealed record WorkerSecrets(string Token, byte[] Credentials)
{
    /// <summary>The environment variable naming the boot channel's descriptor (the number is no secret).</summary>
    public const string DescriptorVariable = "AKKAGUNICORN_BOOT_FD";

    private const int Magic = 0x31424741; // "AGB1"
    private const int MaxSize = 1 << 16;

    /// <summary>A fresh token: 128 random bits.</summary>
    public static string NewToken() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    /// <summary>Whether <paramref name="presented"/> is <paramref name="expected"/>, in time that does not depend on where they differ.</summary>
    public static bool SameToken(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(presented), System.Text.Encoding.UTF8.GetBytes(expected));

    /// <summary>The bytes the Arbiter writes into the channel.</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            w.Write(Magic);
            w.Write(Token);
            w.Write(Credentials.Length);
            w.Write(Credentials);
        }
        return stream.ToArray();
    }

    /// <summary>Reads the channel to its end and closes it; throws <see cref="SerializationException"/> when it is not one.</summary>
    public static WorkerSecrets Read(int descriptor)
    {
        using var stream = new FileStream(new SafeFileHandle(descriptor, ownsHandle: true), FileAccess.Read, bufferSize: 0);
        var buffer = new byte[MaxSize];
        int length = 0, read;
        while ((read = stream.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
            if (length == buffer.Length) throw new SerializationException("The boot channel holds more than a worker's secrets.");
        }
        var r = new FrameReader(buffer.AsSpan(0, length));
        if (r.ReadInt32() != Magic) throw new SerializationException("The boot channel does not start with a worker's secrets.");
        var token = r.ReadString();
        int size = r.ReadInt32();
        var credentials = r.ReadBytes(size);
        return new WorkerSecrets(token, credentials);
    }
}
