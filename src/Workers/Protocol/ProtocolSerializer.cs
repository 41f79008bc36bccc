using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace AkkaGunicorn.Workers.Protocol;

/// <summary>
/// A compact binary serializer for the Arbiter–worker protocol: the only serializer that builds objects from a peer's
/// bytes (<see cref="PrivateRemoting"/> closes every other). Each message has a short, stable manifest; fields are
/// written in order, so a later version may append fields and read old ones. Reading bounds every length by the
/// bytes left in the frame.
/// </summary>
public sealed class ProtocolSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>This serializer's identifier.</summary>
    public const int Id = 5411;

    /// <summary>The HOCON that binds the protocol's messages to this serializer.</summary>
    public const string Config = """
        akka.actor.serializers.akkagunicorn = "AkkaGunicorn.Workers.Protocol.ProtocolSerializer, AkkaGunicorn.Workers"
        akka.actor.serialization-bindings {
          "AkkaGunicorn.Workers.Protocol.Register, AkkaGunicorn.Workers" = akkagunicorn
          "AkkaGunicorn.Workers.Protocol.Registered, AkkaGunicorn.Workers" = akkagunicorn
          "AkkaGunicorn.Workers.Protocol.Rejected, AkkaGunicorn.Workers" = akkagunicorn
          "AkkaGunicorn.Workers.Protocol.Heartbeat, AkkaGunicorn.Workers" = akkagunicorn
          "AkkaGunicorn.Workers.Protocol.Drain, AkkaGunicorn.Workers" = akkagunicorn
          "AkkaGunicorn.Workers.Protocol.Drained, AkkaGunicorn.Workers" = akkagunicorn
          "AkkaGunicorn.Workers.Protocol.RecycleWanted, AkkaGunicorn.Workers" = akkagunicorn
        }
        """;

    /// <inheritdoc />
    public override int Identifier => Id;

    /// <inheritdoc />
    public override string Manifest(object o) => o switch
    {
        Register => "reg",
        Registered => "ok",
        Rejected => "rej",
        Heartbeat => "hb",
        Drain => "drain",
        Drained => "drained",
        RecycleWanted => "recycle",
        _ => throw new ArgumentException($"Not a protocol message: {o.GetType()}"),
    };

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            switch (obj)
            {
                case Register m: w.Write(m.Token); w.Write(m.Pid); w.Write(m.Generation); break;
                case Registered m: w.Write(m.Token); break;
                case Rejected m: w.Write(m.Token); w.Write(m.Reason); break;
                case Heartbeat m:
                    w.Write(m.Token); w.Write(m.Pid); w.Write(m.Served); w.Write(m.InFlight); w.Write(m.Connections); w.Write(m.ResidentBytes);
                    WriteArray(w, m.StatusClasses);
                    WriteArray(w, m.Latency);
                    WriteArray(w, m.Phases);
                    WriteArray(w, m.Expiries);
                    break;
                case Drain m: w.Write(m.Token); w.Write(m.Reason); w.Write(m.TimeoutMs); w.Write(m.SweepBacklog); break;
                case Drained m: w.Write(m.Token); w.Write(m.Pid); w.Write(m.Served); break;
                case RecycleWanted m: w.Write(m.Token); w.Write(m.Pid); w.Write(m.Served); w.Write(m.Reason); break;
                default: throw new ArgumentException($"Not a protocol message: {obj.GetType()}");
            }
        }
        return stream.ToArray();
    }

    private static void WriteArray(BinaryWriter w, long[] values)
    {
        w.Write(values.Length);
        foreach (var value in values) w.Write(value);
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        var r = new FrameReader(bytes);
        return manifest switch
        {
            "reg" => new Register(r.ReadString(), r.ReadInt32(), r.ReadInt32()),
            "ok" => new Registered(r.ReadString()),
            "rej" => new Rejected(r.ReadString(), r.ReadString()),
            "hb" => new Heartbeat(r.ReadString(), r.ReadInt32(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(),
                r.ReadInt64Array(), r.ReadInt64Array(), r.ReadInt64Array(), r.ReadInt64Array()),
            "drain" => new Drain(r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadBoolean()),
            "drained" => new Drained(r.ReadString(), r.ReadInt32(), r.ReadInt64()),
            "recycle" => new RecycleWanted(r.ReadString(), r.ReadInt32(), r.ReadInt64(), r.ReadString()),
            _ => throw new SerializationException($"Unknown protocol manifest '{manifest}'."),
        };
    }
}
