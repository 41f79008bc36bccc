namespace AkkaGunicorn.Http.Server;

/// <summary>
/// The connections one host serves, counted by <see cref="ConnectionPhase"/>, and those waiting on their client for a
/// request head (new, reading a head, idle between requests) in the order they began waiting. A host at its connection
/// limit closes the longest-waiting of these to admit a new connection, as nginx closes idle keep-alive connections when
/// it runs short: otherwise a few thousand idle or trickling connections would lock every other client out.
/// Used from the host's interpreter only; the counts may be read from other threads (a stale count is harmless).
/// </summary>
public sealed class ConnectionRoster
{
    private readonly int[] _counts = new int[Enum.GetValues<ConnectionPhase>().Length];
    private Member? _oldest, _newest;

    /// <summary>
    /// Set by a host at its limit with none to evict: called (once, then cleared) when a connection begins waiting, so
    /// that the host may accept again. One-shot, so that a host with room pays nothing for it.
    /// </summary>
    public Action? WaitingBegan { get; set; }

    /// <summary>Whether some connection waits on its client for a request head.</summary>
    public bool AnyWaiting => _oldest is not null;

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

    /// <summary>Closes the connection that has waited longest on its client; false when none waits.</summary>
    public bool EvictOldest()
    {
        if (_oldest is not { } member) return false;
        Delist(member);
        member.Evicted = true;
        member.Evict();
        return true;
    }

    private void Enlist(Member member)
    {
        bool wasEmpty = _oldest is null;
        member.Listed = true;
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

        internal Member(Action evict) => Evict = evict;

        /// <summary>The connection's phase.</summary>
        public ConnectionPhase Phase { get; internal set; }
    }
}
