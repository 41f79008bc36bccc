using Akka.Actor.Setup;
using AkkaGunicorn.Workers.Native;

namespace AkkaGunicorn.Workers.Remoting;

/// <summary>
/// Who may be at the other end of a private remoting connection (<see cref="UnixSocketTransport"/>), decided from the
/// credentials the kernel recorded at connect, before a byte is read or written. Given to the actor system as a setup.
/// </summary>
/// <param name="admits">The rule.</param>
public sealed class PeerAdmission(Func<PeerCredentials, bool> admits) : Setup
{
    /// <summary>Whether <paramref name="peer"/> may talk to this process.</summary>
    public bool Admits(PeerCredentials peer) => admits(peer);

    /// <summary>
    /// The Arbiter's rule: its own worker processes, whatever user they run as (<c>user</c> and <c>group</c> may make
    /// them another's). A process the Arbiter did not start, or a worker's own children, cannot be its child.
    /// </summary>
    public static PeerAdmission ChildrenOf(int pid) => new(peer => PeerCredentials.ParentOf(peer.Pid) == pid);

    /// <summary>A worker's rule: the Arbiter that started it, and nobody else.</summary>
    public static PeerAdmission Parent() => new(peer => peer.Pid == PeerCredentials.ParentOf(Environment.ProcessId));

    /// <summary>Without a setup: processes of this process's own user.</summary>
    public static PeerAdmission SameUser() => new(peer => peer.Uid == PeerCredentials.EffectiveUser);
}
