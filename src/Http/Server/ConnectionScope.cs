using Akka.Streams;
using AkkaGunicorn.Http.Stages;

namespace AkkaGunicorn.Http.Server;

/// <summary>
/// One connection, as an attribute of its graph. The connection graph is built and fused once per worker and
/// materialized once per connection with this attribute added: its stages take what concerns the connection from it
/// (endpoints and probes, the transport, the upgrade switch their parser and app stage share) instead of each
/// connection building and fusing a graph of its own.
/// </summary>
/// <param name="info">What the HTTP stages know of the transport.</param>
/// <param name="transport">The transport itself (a connected socket), for the stages that read and write it.</param>
/// <param name="roster">The roster of the host serving the connection, or null for one of its own.</param>
public sealed class ConnectionScope(ConnectionInfo info, object? transport = null, ConnectionRoster? roster = null) : Attributes.IAttribute
{
    /// <summary>Where the connection is counted by phase, and found when its host must make room.</summary>
    public ConnectionRoster Roster { get; } = roster ?? new ConnectionRoster();

    /// <summary>Endpoints and probes.</summary>
    public ConnectionInfo Info { get; } = info;

    /// <summary>The transport (a connected socket), or null.</summary>
    public object? Transport { get; } = transport;

    /// <summary>Set when the connection switches protocols.</summary>
    public UpgradeSwitch Upgrade { get; } = new();

    // Two moments of a connection's end that buffers wait for (see the methods below).
    private Moment _lastSend, _bodyClosed;

    /// <summary>
    /// Runs <paramref name="release"/> once the transport's sink has sent its last bytes and closes gracefully (at once
    /// if it already has): for a buffer the final response may still be sent from when the stage that filled it stops.
    /// An aborted connection never runs it, since a send may still be reading the buffer: the garbage collector takes it.
    /// </summary>
    public void ReleaseAfterLastSend(Action release) => _lastSend.Then(release);

    /// <summary>Called by the transport's sink once everything is sent and it begins closing the connection gracefully.</summary>
    public void LastSendDone() => _lastSend.Pass();

    /// <summary>
    /// Runs <paramref name="release"/> once the app can no longer read request bytes: the app stage has stopped and
    /// dropped the body chunk it was offering (at once if it already has). For a receive buffer whose last bytes were
    /// still lent out when its stage stopped. Without an app stage (a graph that never served HTTP/1) it never runs.
    /// </summary>
    public void ReleaseAfterBodyClosed(Action release) => _bodyClosed.Then(release);

    /// <summary>Called by the app stage once it has stopped and its body reader holds no request bytes.</summary>
    public void BodyClosed() => _bodyClosed.Pass();

    /// <summary>
    /// Something that happens once: what waits for it runs when it passes, or at once after. A mutable struct, used only
    /// as a field and only from the connection's own interpreter, so a connection pays for no more objects.
    /// </summary>
    private struct Moment
    {
        private Action? _waiting;
        private bool _passed;

        public void Then(Action action)
        {
            if (_passed) action();
            else _waiting += action;
        }

        public void Pass()
        {
            _passed = true;
            var waiting = _waiting;
            _waiting = null;
            waiting?.Invoke();
        }
    }

    /// <summary>The scope in <paramref name="attributes"/>; throws when the graph was materialized without one.</summary>
    public static ConnectionScope Of(Attributes attributes) =>
        attributes.GetAttribute<ConnectionScope>(null!) ?? throw new InvalidOperationException("The connection graph was materialized without a ConnectionScope attribute.");
}
