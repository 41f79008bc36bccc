namespace AkkaGunicorn.Workers.Sockets;

/// <summary>
/// What a worker's <see cref="ConnectionSource"/> stages ask before they accept, and tell when they hold back: the
/// balance between the workers sharing a listening socket (see <see cref="Balance.FairShare"/>).
/// </summary>
public interface IAcceptGate
{
    /// <summary>Whether the worker may take another connection now.</summary>
    bool MayAccept();

    /// <summary>An accept stage began (<paramref name="running"/>) or stopped taking part.</summary>
    void Lane(bool running);

    /// <summary>An accept stage holds back (<paramref name="holdingBack"/>: the gate said no) or takes connections again.</summary>
    void HoldingBack(bool holdingBack);
}
