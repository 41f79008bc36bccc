using System.Diagnostics;

namespace AkkaGunicorn.Integration.Tests.Support;

/// <summary>
/// A network namespace made for one test, joined to this one by a veth pair (a /30 of 10.x.y.z): a second host on
/// this machine, whose link <see cref="Cut"/> takes down to make a partition. Needs root and iproute2; otherwise
/// <see cref="Unavailable"/> says why. Disposing deletes it.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private readonly string _outer;

    public NetworkNamespace()
    {
        int id = Random.Shared.Next(1, 1 << 14);
        Name = $"ag-part-{Environment.ProcessId}-{id}";
        _outer = $"agp{id}o";
        string inner = $"agp{id}i";
        // A /30 in 10.200.0.0/16: .1 on this side, .2 inside.
        string prefix = $"10.{200 + id % 50}.{id % 250}.{(id % 60) * 4}";
        var parts = prefix.Split('.');
        HostAddress = $"{parts[0]}.{parts[1]}.{parts[2]}.{int.Parse(parts[3]) + 1}";
        InnerAddress = $"{parts[0]}.{parts[1]}.{parts[2]}.{int.Parse(parts[3]) + 2}";
        foreach (var command in new[]
        {
            $"netns add {Name}",
            $"link add {_outer} type veth peer name {inner}",
            $"link set {inner} netns {Name}",
            $"addr add {HostAddress}/30 dev {_outer}",
            $"link set {_outer} up",
            $"-n {Name} addr add {InnerAddress}/30 dev {inner}",
            $"-n {Name} link set {inner} up",
            $"-n {Name} link set lo up",
        })
        {
            var (code, error) = Ip(command);
            if (code == 0) continue;
            Unavailable = $"cannot make a network namespace (ip {command}: {error.Trim()}); the partition test needs root and iproute2";
            return;
        }
    }

    /// <summary>Why no namespace could be made, or null.</summary>
    public string? Unavailable { get; }

    /// <summary>Its name.</summary>
    public string Name { get; }

    /// <summary>This side's address on the link.</summary>
    public string HostAddress { get; }

    /// <summary>The namespace's address on the link.</summary>
    public string InnerAddress { get; }

    /// <summary>The command that runs a program inside.</summary>
    public IReadOnlyList<string> Exec => ["ip", "netns", "exec", Name];

    /// <summary>Takes the link down: nothing passes either way.</summary>
    public void Cut() => Must(Ip($"link set {_outer} down"));

    /// <summary>Brings the link back.</summary>
    public void Heal() => Must(Ip($"link set {_outer} up"));

    private static void Must((int Code, string Error) result)
    {
        if (result.Code != 0) throw new InvalidOperationException(result.Error);
    }

    private static (int Code, string Error) Ip(string arguments)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments.Split(' ')) info.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(info)!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, error);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }

    public void Dispose()
    {
        Ip($"link del {_outer}");
        Ip($"netns del {Name}");
    }
}
