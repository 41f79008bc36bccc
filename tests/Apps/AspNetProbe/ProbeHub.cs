using Microsoft.AspNetCore.SignalR;

namespace AspNetProbe;

/// <summary>A SignalR hub: answers each call with the worker it ran on, and streams messages to its caller.</summary>
public sealed class ProbeHub : Hub
{
    /// <summary>Returns the message with the process that handled it.</summary>
    public string Echo(string message) => $"{message} from pid {Environment.ProcessId}";

    /// <summary>Sends <paramref name="count"/> numbered messages to the caller alone, then returns.</summary>
    public async Task Ticks(int count)
    {
        for (int i = 1; i <= count; i++) await Clients.Caller.SendAsync("tick", i);
    }
}
