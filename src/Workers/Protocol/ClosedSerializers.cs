using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace AkkaGunicorn.Workers.Protocol;

/// <summary>
/// Stands in for one of Akka's own serializers and refuses both ways. Akka deserializes a remote message with whatever
/// serializer id the sender names, bound or not; with these in place of Akka's JSON (which follows a payload's
/// <c>$type</c>), protobuf, remote-deployment, system-message and other serializers, a peer can make this process build
/// nothing but protocol messages.
/// </summary>
public abstract class ClosedSerializer(ExtendedActorSystem system) : Serializer(system)
{
    // Akka builds a configured serializer with (system) or, where the name has serialization-settings, (system, config).
    /// <inheritdoc />
    public override bool IncludeManifest => false;

    /// <inheritdoc />
    public override byte[] ToBinary(object obj) =>
        throw new SerializationException($"Only the worker protocol crosses processes, not {obj.GetType()} (serializer {Identifier} is closed).");

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, Type type) =>
        throw new SerializationException($"Refused a message for closed serializer {Identifier}: only the worker protocol is accepted.");
}

/// <summary>Closes Akka's Newtonsoft JSON serializer (id 1).</summary>
public sealed class ClosedJsonSerializer : ClosedSerializer
{
    /// <summary>Created by Akka.</summary>
    public ClosedJsonSerializer(ExtendedActorSystem system) : base(system) { }

    /// <summary>Created by Akka, where the name has settings.</summary>
    public ClosedJsonSerializer(ExtendedActorSystem system, Config _) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => 1;
}

/// <summary>Closes Akka's protobuf serializer (id 2).</summary>
public sealed class ClosedProtobufSerializer : ClosedSerializer
{
    /// <summary>Created by Akka.</summary>
    public ClosedProtobufSerializer(ExtendedActorSystem system) : base(system) { }

    /// <summary>Created by Akka, where the name has settings.</summary>
    public ClosedProtobufSerializer(ExtendedActorSystem system, Config _) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => 2;
}

/// <summary>Closes remote deployment's serializer (id 3).</summary>
public sealed class ClosedDaemonSerializer : ClosedSerializer
{
    /// <summary>Created by Akka.</summary>
    public ClosedDaemonSerializer(ExtendedActorSystem system) : base(system) { }

    /// <summary>Created by Akka, where the name has settings.</summary>
    public ClosedDaemonSerializer(ExtendedActorSystem system, Config _) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => 3;
}

/// <summary>Closes the byte-array serializer (id 4).</summary>
public sealed class ClosedBytesSerializer : ClosedSerializer
{
    /// <summary>Created by Akka.</summary>
    public ClosedBytesSerializer(ExtendedActorSystem system) : base(system) { }

    /// <summary>Created by Akka, where the name has settings.</summary>
    public ClosedBytesSerializer(ExtendedActorSystem system, Config _) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => 4;
}

/// <summary>Closes the container serializer (id 6): actor selections, which the protocol does not use.</summary>
public sealed class ClosedContainerSerializer : ClosedSerializer
{
    /// <summary>Created by Akka.</summary>
    public ClosedContainerSerializer(ExtendedActorSystem system) : base(system) { }

    /// <summary>Created by Akka, where the name has settings.</summary>
    public ClosedContainerSerializer(ExtendedActorSystem system, Config _) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => 6;
}

/// <summary>Closes the miscellaneous serializer (id 16): Identify, PoisonPill, Kill, Status.Failure with its exception.</summary>
public sealed class ClosedMiscSerializer : ClosedSerializer
{
    /// <summary>Created by Akka.</summary>
    public ClosedMiscSerializer(ExtendedActorSystem system) : base(system) { }

    /// <summary>Created by Akka, where the name has settings.</summary>
    public ClosedMiscSerializer(ExtendedActorSystem system, Config _) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => 16;
}

/// <summary>Closes the primitive serializer (id 17).</summary>
public sealed class ClosedPrimitiveSerializer : ClosedSerializer
{
    /// <summary>Created by Akka.</summary>
    public ClosedPrimitiveSerializer(ExtendedActorSystem system) : base(system) { }

    /// <summary>Created by Akka, where the name has settings.</summary>
    public ClosedPrimitiveSerializer(ExtendedActorSystem system, Config _) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => 17;
}

/// <summary>Closes the system-message serializer (id 22): a peer could otherwise send Terminate to any actor. Nothing
/// watches across processes (workers follow the Arbiter through their lifeline pipe).</summary>
public sealed class ClosedSystemMessageSerializer : ClosedSerializer
{
    /// <summary>Created by Akka.</summary>
    public ClosedSystemMessageSerializer(ExtendedActorSystem system) : base(system) { }

    /// <summary>Created by Akka, where the name has settings.</summary>
    public ClosedSystemMessageSerializer(ExtendedActorSystem system, Config _) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => 22;
}

/// <summary>Closes Akka.Streams' stream-reference serializer (id 30): the protocol sends no streams.</summary>
public sealed class ClosedStreamRefSerializer : ClosedSerializer
{
    /// <summary>Created by Akka.</summary>
    public ClosedStreamRefSerializer(ExtendedActorSystem system) : base(system) { }

    /// <summary>Created by Akka, where the name has settings.</summary>
    public ClosedStreamRefSerializer(ExtendedActorSystem system, Config _) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => 30;
}
