using System.Security.Cryptography;
using AkkaGunicorn.Workers.Native;

namespace AkkaGunicorn.Workers.Protocol;

/// <summary>
/// What only one worker may know, handed over in its <see cref="Boot.WorkerBoot"/> through its boot channel.
/// </summary>
/// <param name="Token">The worker's own token (see the protocol's messages).</param>
public sealed record WorkerSecrets(string Token)
{
    /// <summary>A fresh token: 128 random bits from the kernel.</summary>
    public static string NewToken()
    {
        Span<byte> bits = stackalloc byte[16];
        KernelRandom.Fill(bits);
        return Convert.ToHexString(bits);
    }

    /// <summary>Whether <paramref name="presented"/> is <paramref name="expected"/>, in time that does not depend on where they differ.</summary>
    public static bool SameToken(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(presented), System.Text.Encoding.UTF8.GetBytes(expected));
}
