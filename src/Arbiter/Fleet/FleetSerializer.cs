using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;

namespace AkkaGunicorn.Arbiter.Fleet;

/// <summary>
/// The fleet protocol as JSON with the type's name as manifest: readable across versions (unknown members are skipped,
/// missing ones take defaults), and nothing but the protocol's own types can be named.
/// </summary>
public sealed class FleetSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private static readonly Dictionary<string, Type> Types = typeof(IFleetMessage).Assembly.GetTypes()
        .Where(t => t.IsClass && typeof(IFleetMessage).IsAssignableFrom(t))
        .ToDictionary(t => t.Name);

    /// <inheritdoc />
    public override int Identifier => 0x4147_464C; // "AGFL"

    /// <inheritdoc />
    public override string Manifest(object o) => o.GetType().Name;

    /// <inheritdoc />
    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType());

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest) =>
        Types.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type) ?? throw new SerializationException($"empty {manifest}")
            : throw new SerializationException($"'{manifest}' is not a fleet message");
}
