namespace AkkaGunicorn.Testing;

/// <summary>
/// Waits for something that travels asynchronously (figures with heartbeats, a line reaching a file) by looking
/// again until it holds. The patience is generous: it bounds a broken test, it is not a timing margin.
/// </summary>
public static class Eventually
{
    /// <summary>How long to keep looking by default.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Looks with <paramref name="probe"/> until <paramref name="done"/> holds for what it saw, and returns that; fails
    /// with <paramref name="describe"/> of the last look once <paramref name="timeout"/> has passed.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, Func<T, string> describe,
        TimeSpan? timeout = null, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Patience);
        while (true)
        {
            var seen = await probe();
            if (done(seen)) return seen;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Still not so after {(timeout ?? Patience).TotalSeconds} s: {describe(seen)}");
            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds; fails naming <paramref name="what"/> once <paramref name="timeout"/> has passed.</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, TimeSpan? interval = null) =>
        UntilAsync(condition, held => held, _ => what, timeout, interval);

    /// <summary>Waits until <paramref name="condition"/> holds; fails naming <paramref name="what"/> once <paramref name="timeout"/> has passed.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null, TimeSpan? interval = null) =>
        UntilAsync(() => Task.FromResult(condition()), held => held, _ => what, timeout, interval);
}
