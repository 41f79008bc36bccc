namespace AkkaGunicorn.AspNetCore.Exchange;

/// <summary>
/// Connection ids in Kestrel's shape: 13 base-32 characters of a counter seeded from the clock, so ids from
/// different workers and restarts rarely collide in a shared log.
/// </summary>
internal static class ConnectionIds
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
    private static readonly long Seed = DateTime.UtcNow.Ticks ^ ((long)Environment.ProcessId << 40);

    /// <summary>The id of the <paramref name="number"/>th connection of this process.</summary>
    public static string Format(long number) => string.Create(13, Seed + number, static (chars, value) =>
    {
        for (int i = chars.Length - 1; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value = (long)((ulong)value >> 5);
        }
    });
}
