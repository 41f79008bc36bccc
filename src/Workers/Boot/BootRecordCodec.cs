using System.Runtime.Serialization;
using System.Text;
using AkkaGunicorn.Http.Parsing;
using AkkaGunicorn.Workers.Apps;
using AkkaGunicorn.Workers.Hosting;
using AkkaGunicorn.Workers.Protocol;
using AkkaGunicorn.Workers.Sockets;

namespace AkkaGunicorn.Workers.Boot;

/// <summary>
/// The boot record's bytes: every field in a fixed order, strings as UTF-8 with their length, lists and maps with
/// their count, an optional value after a presence flag. Reading it is the first thing a worker does, before its app
/// can start. With System.Text.Json it took 76-85 ms (356 methods compiled: its generic metadata over the record's
/// value types, which ReadyToRun cannot precompile outside the framework); read this way, 16-20 ms from the pipe, 2-4 ms
/// of it in the JIT. Both ends are the same binary, so the order is the only contract; the record's round-trip test
/// fills every property, so a property added to the record and forgotten here fails it.
/// </summary>
internal static class BootRecordCodec
{
    /// <summary>The record's bytes.</summary>
    public static byte[] Encode(WorkerBoot boot)
    {
        using var buffer = new MemoryStream(1024);
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(boot.Secrets.Token);
            w.Write(boot.ArbiterPid);
            w.Write(boot.Generation);
            w.Write(boot.Slot);
            w.Write(boot.LifelineDescriptor);
            WriteOptional(w, boot.BoardDescriptor, (w, v) => w.Write(v));
            w.Write(boot.BoardEntry);
            WriteOptional(w, boot.Identity, (w, v) => w.Write(v));
            WriteOptional(w, (int?)boot.AppKind, (w, v) => w.Write(v));
            WriteList(w, boot.Listeners, (w, l) =>
            {
                w.Write(l.Descriptor);
                w.Write(l.Name);
                w.Write(l.Tls);
            });
            WriteSettings(w, boot.Settings);
        }
        return buffer.ToArray();
    }

    /// <summary>The record in <paramref name="bytes"/>; throws <see cref="SerializationException"/> when they are not one.</summary>
    public static WorkerBoot Decode(byte[] bytes)
    {
        using var r = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
        try
        {
            var boot = new WorkerBoot
            {
                Secrets = new WorkerSecrets(r.ReadString()),
                ArbiterPid = r.ReadInt32(),
                Generation = r.ReadInt32(),
                Slot = r.ReadInt32(),
                LifelineDescriptor = r.ReadInt32(),
                BoardDescriptor = ReadOptional(r, r => (int?)r.ReadInt32()),
                BoardEntry = r.ReadInt32(),
                Identity = ReadOptional(r, r => r.ReadString()),
                AppKind = ReadOptional(r, r => (AppKind?)ReadKind(r)),
                Listeners = ReadList(r, r => new InheritedListener(r.ReadInt32(), r.ReadString(), r.ReadBoolean())),
                Settings = ReadSettings(r),
            };
            if (r.BaseStream.Position != bytes.Length)
                throw new SerializationException($"The boot channel's record has {bytes.Length - r.BaseStream.Position} bytes after its end.");
            return boot;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException or ArgumentException)
        {
            throw new SerializationException($"The boot channel's record is unreadable: {e.Message}", e);
        }
    }

    private static void WriteSettings(BinaryWriter w, WorkerSettings s)
    {
        w.Write(s.App);
        w.Write(s.ProcName);
        var log = s.Log;
        w.Write(log.Level);
        w.Write(log.ErrorLog);
        w.Write(log.Json);
        w.Write(log.CaptureOutput);
        WriteOptional(w, log.ConfigJson, (w, v) => w.Write(v));
        WriteMap(w, log.ConfigTree);
        w.Write(log.ConfigDescription);
        WriteOptional(w, s.Syslog, (w, v) =>
        {
            w.Write(v.Address);
            w.Write(v.Facility);
            w.Write(v.Prefix);
            w.Write(v.Access);
        });
        WriteOptional(w, s.StatsdHost, (w, v) => w.Write(v));
        w.Write(s.StatsdPrefix);
        w.Write(s.DogstatsdTags);
        WriteOptional(w, s.OtlpEndpoint, (w, v) => w.Write(v.OriginalString));
        WriteOptional(w, s.Tls, (w, v) =>
        {
            w.Write(v.CertFile);
            w.Write(v.KeyFile);
            w.Write(v.CaCerts);
            w.Write(v.CertReqs);
            w.Write(v.SslVersion);
            w.Write(v.Ciphers);
            w.Write(v.HandshakeTimeout.Ticks);
            WriteMap(w, v.SniCertFiles);
            WriteList(w, v.Protocols, (w, p) => w.Write(p));
        });
        WriteHttp(w, s.Http);
        w.Write(s.WorkerConnections);
        w.Write(s.ReusePort);
        w.Write(s.Backlog);
        WriteOptional(w, s.AccessLog, (w, v) => w.Write(v));
        w.Write(s.AccessLogFormat);
        w.Write(s.Recycle.MaxRequests);
        w.Write(s.Recycle.MaxRequestsJitter);
        w.Write(s.Recycle.MaxResidentBytes);
        w.Write(s.HeartbeatInterval.Ticks);
        w.Write(s.MaxSilence.Ticks);
        w.Write(s.ThreadPoolSpins);
        w.Write(s.GracefulTimeout.Ticks);
    }

    private static WorkerSettings ReadSettings(BinaryReader r) => new()
    {
        App = r.ReadString(),
        ProcName = r.ReadString(),
        Log = new LogSettings(r.ReadString(), r.ReadString(), r.ReadBoolean(), r.ReadBoolean(), ReadOptional(r, r => r.ReadString()),
            ReadMap(r), r.ReadString()),
        Syslog = ReadOptional(r, r => new SyslogSettings(r.ReadString(), r.ReadInt32(), r.ReadString(), r.ReadBoolean())),
        StatsdHost = ReadOptional(r, r => r.ReadString()),
        StatsdPrefix = r.ReadString(),
        DogstatsdTags = r.ReadString(),
        OtlpEndpoint = ReadOptional(r, r => new Uri(r.ReadString(), UriKind.RelativeOrAbsolute)),
        Tls = ReadOptional(r, r => new TlsSettings(r.ReadString(), r.ReadString(), r.ReadString(), r.ReadInt32(), r.ReadString(), r.ReadString(),
            ReadTime(r), ReadMap(r), ReadList(r, r => r.ReadString()))),
        Http = ReadHttp(r),
        WorkerConnections = r.ReadInt32(),
        ReusePort = r.ReadBoolean(),
        Backlog = r.ReadInt32(),
        AccessLog = ReadOptional(r, r => r.ReadString()),
        AccessLogFormat = r.ReadString(),
        Recycle = new RecycleLimits(r.ReadInt64(), r.ReadInt64(), r.ReadInt64()),
        HeartbeatInterval = ReadTime(r),
        MaxSilence = ReadTime(r),
        ThreadPoolSpins = r.ReadBoolean(),
        GracefulTimeout = ReadTime(r),
    };

    private static void WriteHttp(BinaryWriter w, HttpSettings h)
    {
        w.Write(h.LimitRequestLine);
        w.Write(h.LimitRequestFields);
        w.Write(h.LimitRequestFieldSize);
        w.Write(h.PermitObsoleteFolding);
        w.Write(h.PermitUnconventionalHttpMethod);
        w.Write(h.CasefoldHttpMethod);
        w.Write(h.StripHeaderSpaces);
        w.Write((int)h.HeaderMap);
        WriteList(w, h.ForwarderHeaders, (w, v) => w.Write(v));
        w.Write(h.KeepAlive.Ticks);
        w.Write(h.RequestHeaderTimeout.Ticks);
        w.Write(h.MinRequestBodyRate);
        w.Write(h.MinResponseRate);
        w.Write(h.DataRateGrace.Ticks);
        w.Write(h.ProxyProtocol);
        w.Write(h.ProxyAllowIps);
        w.Write(h.ForwardedAllowIps);
        WriteMap(w, h.SecureSchemeHeaders);
        w.Write(h.RootPath);
        WriteList(w, h.HttpProtocols, (w, v) => w.Write(v));
        w.Write(h.Http2MaxConcurrentStreams);
        w.Write(h.Http2InitialWindowSize);
        w.Write(h.Http2MaxFrameSize);
        w.Write(h.Http2MaxHeaderListSize);
    }

    private static HttpSettings ReadHttp(BinaryReader r) => new()
    {
        LimitRequestLine = r.ReadInt32(),
        LimitRequestFields = r.ReadInt32(),
        LimitRequestFieldSize = r.ReadInt32(),
        PermitObsoleteFolding = r.ReadBoolean(),
        PermitUnconventionalHttpMethod = r.ReadBoolean(),
        CasefoldHttpMethod = r.ReadBoolean(),
        StripHeaderSpaces = r.ReadBoolean(),
        HeaderMap = ReadHeaderMap(r),
        ForwarderHeaders = ReadList(r, r => r.ReadString()),
        KeepAlive = ReadTime(r),
        RequestHeaderTimeout = ReadTime(r),
        MinRequestBodyRate = r.ReadInt32(),
        MinResponseRate = r.ReadInt32(),
        DataRateGrace = ReadTime(r),
        ProxyProtocol = r.ReadBoolean(),
        ProxyAllowIps = r.ReadString(),
        ForwardedAllowIps = r.ReadString(),
        SecureSchemeHeaders = ReadMap(r),
        RootPath = r.ReadString(),
        HttpProtocols = ReadList(r, r => r.ReadString()),
        Http2MaxConcurrentStreams = r.ReadInt32(),
        Http2InitialWindowSize = r.ReadInt32(),
        Http2MaxFrameSize = r.ReadInt32(),
        Http2MaxHeaderListSize = r.ReadInt32(),
    };

    private static HeaderMapPolicy ReadHeaderMap(BinaryReader r)
    {
        int value = r.ReadInt32();
        return Enum.IsDefined((HeaderMapPolicy)value) ? (HeaderMapPolicy)value : throw new FormatException($"header map policy {value} is not one");
    }

    private static TimeSpan ReadTime(BinaryReader r) => TimeSpan.FromTicks(r.ReadInt64());

    private static void WriteOptional<T>(BinaryWriter w, T? value, Action<BinaryWriter, T> write) where T : class
    {
        w.Write(value is not null);
        if (value is not null) write(w, value);
    }

    private static void WriteOptional(BinaryWriter w, int? value, Action<BinaryWriter, int> write)
    {
        w.Write(value.HasValue);
        if (value is { } v) write(w, v);
    }

    private static T? ReadOptional<T>(BinaryReader r, Func<BinaryReader, T> read) => r.ReadBoolean() ? read(r) : default;

    private static AppKind ReadKind(BinaryReader r) => r.ReadInt32() switch
    {
        (int)AppKind.ServerApp => AppKind.ServerApp,
        (int)AppKind.AspNetCore => AppKind.AspNetCore,
        var other => throw new FormatException($"{other} is not an app kind"),
    };

    private static void WriteList<T>(BinaryWriter w, IReadOnlyList<T> items, Action<BinaryWriter, T> write)
    {
        w.Write(items.Count);
        foreach (var item in items) write(w, item);
    }

    private static List<T> ReadList<T>(BinaryReader r, Func<BinaryReader, T> read)
    {
        int count = Count(r);
        var items = new List<T>(Math.Min(count, 1024));
        for (int i = 0; i < count; i++) items.Add(read(r));
        return items;
    }

    private static void WriteMap(BinaryWriter w, IReadOnlyDictionary<string, string> map)
    {
        w.Write(map.Count);
        foreach (var (key, value) in map)
        {
            w.Write(key);
            w.Write(value);
        }
    }

    private static Dictionary<string, string> ReadMap(BinaryReader r)
    {
        int count = Count(r);
        var map = new Dictionary<string, string>(Math.Min(count, 1024));
        for (int i = 0; i < count; i++) map[r.ReadString()] = r.ReadString();
        return map;
    }

    // A count is never negative, and never more than the bytes left could hold.
    private static int Count(BinaryReader r)
    {
        int count = r.ReadInt32();
        return count >= 0 && count <= r.BaseStream.Length - r.BaseStream.Position
            ? count
            : throw new FormatException($"a count of {count} does not fit the record");
    }
}
