namespace AkkaGunicorn.Http.Server;

/// <summary>
/// The connections one host serves, counted by <see cref="ConnectionPhase"/>, and those waiting on their client for a
/// request head (new, reading a head, idle between requests) in the order they began waiting. A host at its connection
/// limit closes the longest-waiting of these to admit a new connection, as nginx closes idle keep-alive connections when
/// it runs short: otherwise a few thousand idle or trickling connections would lock every other client out. Only a
/// connection that has waited a while counts as idle: a busy keep-alive client between two requests is not, and closing
/// it would only bring it back at once (a load of exactly the limit's size churned that way).
/// Used from the host's interpreter only; the counts may be read from other threads (a stale count is harmless).
/// </summary>
/// <param name="clock">Milliseconds, monotonic; Environment.TickCount64 unless a test gives its own.</param>
public sealed class ConnectionRoster(Func<long>? clock = null)
{
    private readonly int[] _counts = new int[Enum.GetValues<ConnectionPhase>().Length];
    private readonly Func<long> _clock = clock ?? (() => Environment.TickCount64);
    private Member? _oldest, _newest;

    /// <summary>
    /// Set by a host at its limit with none to evict: called (once, then cleared) when a connection begins waiting, so
    /// that the host may accept again. One-shot, so that a host with room pays nothing for it.
    /// </summary>
    public Action? WaitingBegan { get; set; }

    /// <summary>Whether some connection waits on its client for a request head.</summary>
    public bool AnyWaiting => _oldest is not null;

    /// <summary>How long the longest-waiting connection has waited, in milliseconds (0 when none waits).</summary>
    public long LongestWait => _oldest is { } oldest ? _clock() - oldest.WaitingSince : 0;

    /// <summary>How many connections are in <paramref name="phase"/>.</summary>
    public int Count(ConnectionPhase phase) => Volatile.Read(ref _counts[(int)phase]);

    /// <summary>Adds a connection in <see cref="ConnectionPhase.New"/>; <paramref name="evict"/> closes it.</summary>
    public Member Join(Action evict)
    {
        var member = new Member(evict);
        _counts[(int)ConnectionPhase.New]++;
        Enlist(member);
        return member;
    }

    /// <summary>Moves a connection to <paramref name="phase"/>.</summary>
    public void Move(Member member, ConnectionPhase phase)
    {
        if (member.Phase == phase || member.Left) return;
        _counts[(int)member.Phase]--;
        _counts[(int)phase]++;
        member.Phase = phase;
        // A connection reading a head keeps its place: it has been waiting since it was accepted or went idle.
        if (phase is ConnectionPhase.InRequest or ConnectionPhase.Upgraded) Delist(member);
        else if (!member.Listed && !member.Evicted) Enlist(member);
    }

    /// <summary>Removes a closed connection.</summary>
    public void Leave(Member member)
    {
        if (member.Left) return;
        member.Left = true;
        _counts[(int)member.Phase]--;
        Delist(member);
    }

    /// <summary>Closes the connection that has waited longest on its client, if it has waited <paramref name="minWaitMs"/> or more.</summary>
    public bool EvictOldest(long minWaitMs = 0)
    {
        if (_oldest is not { } member || _clock() - member.WaitingSince < minWaitMs) return false;
        Delist(member);
        member.Evicted = true;
        member.Evict();
        return true;
    }

    /// <summary>An eviction that came too late (a request began meanwhile): the connection may queue again later.</summary>
    public void Spare(Member member)
    {
        member.Evicted = false;
        if (!member.Left && !member.Listed && member.Phase is not (ConnectionPhase.InRequest or ConnectionPhase.Upgraded)) Enlist(member);
    }

    private void Enlist(Member member)
    {
        bool wasEmpty = _oldest is null;
        member.Listed = true;
        member.WaitingSince = _clock();
        member.Older = _newest;
        member.Newer = null;
        if (_newest is null) _oldest = member;
        else _newest.Newer = member;
        _newest = member;
        if (wasEmpty && WaitingBegan is { } wake)
        {
            WaitingBegan = null;
            wake();
        }
    }

    private void Delist(Member member)
    {
        if (!member.Listed) return;
        member.Listed = false;
        if (member.Older is null) _oldest = member.Newer;
        else member.Older.Newer = member.Newer;
        if (member.Newer is null) _newest = member.Older;
        else member.Newer.Older = member.Older;
        member.Older = member.Newer = null;
    }

    /// <summary>One connection's place in the roster.</summary>
    public sealed class Member
    {
        internal readonly Action Evict;
        internal Member? Older, Newer;
        internal bool Listed, Left, Evicted;
        internal long WaitingSince;

        internal Member(Action evict) => Evict = evict;

        /// <summary>The connection's phase.</summary>
        public ConnectionPhase Phase { get; internal set; }
    }
}
