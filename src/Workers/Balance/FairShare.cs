namespace AkkaGunicorn.Workers.Balance;

/// <summary>One worker's entry on the <see cref="LoadBoard"/>: what it publishes and whether it may accept.</summary>
/// <param name="board">The shared board.</param>
/// <param name="entry">This worker's entry.</param>
/// <param name="staleAfter">How long a silent sibling still counts.</param>
public sealed class FairShare(LoadBoard board, int entry, TimeSpan staleAfter)
{
    /// <summary>Takes the entry, holding no connections yet.</summary>
    public void Join() => board.Join(entry);

    /// <summary>Publishes the connection count, which also says this worker is alive.</summary>
    public void Publish(long connections) => board.Publish(entry, connections);

    /// <summary>Stops counting for the siblings (draining).</summary>
    public void Leave() => board.Leave(entry);

    /// <summary>
    /// Whether a worker holding <paramref name="connections"/> may take another one now: it holds no more than any live
    /// sibling plus an eighth (at least one). Without the slack, two workers each holding one connection would both
    /// wait for the other, and a burst of new connections would queue in the kernel meanwhile.
    /// </summary>
    public bool MayAccept(long connections) => board.MayAccept(entry, connections, staleAfter, slack: Math.Max(1, connections / 8));

    /// <summary>The gate for this worker's accept stages, which hold <paramref name="connections"/> between them.</summary>
    public Sockets.IAcceptGate GateFor(Func<long> connections) => new Gate(this, connections);

    private sealed class Gate(FairShare share, Func<long> connections) : Sockets.IAcceptGate
    {
        private readonly object _lock = new();
        private int _lanes, _holdingBack;

        public bool MayAccept() => share.MayAccept(connections());

        public void Lane(bool running) => Update(running ? 1 : -1, 0);

        public void HoldingBack(bool holdingBack) => Update(0, holdingBack ? 1 : -1);

        private void Update(int lanes, int holdingBack)
        {
            // Several accept stages (one per core): the worker takes connections while any of them does not hold back.
            lock (_lock)
            {
                _lanes += lanes;
                _holdingBack += holdingBack;
                share.PublishAccepting(_holdingBack < _lanes);
            }
        }
    }

    private void PublishAccepting(bool accepting) => board.PublishAccepting(entry, accepting);
}
