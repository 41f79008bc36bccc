using AkkaGunicorn.Arbiter.Native;
using AkkaGunicorn.Arbiter.Settings;

namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>The user and group workers run as (user and group settings), resolved once in the Arbiter.</summary>
/// <param name="Uid">The user id.</param>
/// <param name="Gid">The group id.</param>
public sealed record WorkerIdentity(uint Uid, uint Gid)
{
    /// <summary>As passed to a worker: <c>uid:gid</c>.</summary>
    public override string ToString() => $"{Uid}:{Gid}";

    /// <summary>Parses <see cref="ToString"/>.</summary>
    public static WorkerIdentity Parse(string text)
    {
        var parts = text.Split(':');
        return new WorkerIdentity(uint.Parse(parts[0]), uint.Parse(parts[1]));
    }

    /// <summary>
    /// The identity the settings ask for, or null when workers keep the Arbiter's. Throws <see cref="ConfigException"/>
    /// for an unknown user or group, or for a change only root may make.
    /// </summary>
    public static WorkerIdentity? Resolve(ServerSettings settings)
    {
        if (settings.User is null && settings.Group is null) return null;
        (uint Uid, uint Gid) user = settings.User is { } name
            ? Accounts.User(name) ?? throw new ConfigException("user", name, "no such user")
            : (Accounts.EffectiveUid, Accounts.EffectiveGid);
        uint gid = settings.Group is { } group ? Accounts.GroupId(group) ?? throw new ConfigException("group", group, "no such group") : user.Gid;
        var identity = new WorkerIdentity(user.Uid, gid);
        if (Accounts.EffectiveUid != 0 && (identity.Uid != Accounts.EffectiveUid || identity.Gid != Accounts.EffectiveGid))
            throw new ConfigException(settings.User is not null ? "user" : "group", settings.User ?? settings.Group!,
                $"changing the workers' user or group needs the Arbiter to run as root (it runs as uid {Accounts.EffectiveUid})");
        return identity;
    }
}
