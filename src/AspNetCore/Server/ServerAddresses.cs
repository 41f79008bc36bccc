using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AkkaGunicorn.AspNetCore.Server;

/// <summary>The addresses the host reads and writes: before start, those the app configured; after, AkkaGunicorn's own.</summary>
internal sealed class ServerAddresses : IServerAddressesFeature
{
    /// <inheritdoc />
    public ICollection<string> Addresses { get; } = new List<string>();

    /// <inheritdoc />
    public bool PreferHostingUrls { get; set; }
}
