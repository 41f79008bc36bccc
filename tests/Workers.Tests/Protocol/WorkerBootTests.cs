using System.IO.Pipes;
using System.Runtime.Serialization;
using System.Text.Json;
using AkkaGunicorn.Workers.Boot;
using AkkaGunicorn.Workers.Hosting;
using AkkaGunicorn.Workers.Protocol;
using AkkaGunicorn.Workers.Sockets;
using Xunit;

namespace AkkaGunicorn.Workers.Tests.Protocol;

/// <summary>The boot channel's contents, read from a real pipe as a worker reads them.</summary>
public sealed class WorkerBootTests
{
    private static int PipeHolding(byte[] bytes)
    {
        var server = new AnonymousPipeServerStream(PipeDirection.Out, System.IO.HandleInheritability.None);
        var reader = server.ClientSafePipeHandle;
        // More than a pipe holds waits for its reader: write on the side.
        _ = Task.Run(() =>
        {
            try
            {
                server.Write(bytes);
            }
            catch (IOException)
            {
                // The reader gave up first.
            }
            server.Dispose();
        });
        var fd = (int)reader.DangerousGetHandle();
        reader.SetHandleAsInvalid();
        return fd;
    }

    private static WorkerBoot Record(byte[] channelBytes)
    {
        using var channel = new BootChannel(PipeHolding(channelBytes));
        return channel.ReadRecord();
    }

    private static WorkerBoot Boot(string? token = null) => new()
    {
        Secrets = new WorkerSecrets(token ?? WorkerSecrets.NewToken()),
        ArbiterPid = 4242,
        Generation = 3,
        Slot = 7,
        LifelineDescriptor = 9,
        BoardDescriptor = 10,
        BoardEntry = 2,
        Identity = "1000:1000",
        Listeners = [new InheritedListener(3, "127.0.0.1:8000"), new InheritedListener(4, "[::1]:8443", Tls: true), new InheritedListener(5, "unix:/run/a=b.sock")],
        Settings = new WorkerSettings
        {
            App = "app.dll",
            ProcName = "shop",
            Log = new LogSettings("info", "-", Json: true, CaptureOutput: false, ConfigJson: null,
                new Dictionary<string, string> { ["MinimumLevel:Default"] = "Debug" }, "setting 'logging' = '{}'"),
            Syslog = new SyslogSettings("udp://127.0.0.1:514", 19, "shop", Access: true),
            OtlpEndpoint = new Uri("http://127.0.0.1:4318/"),
            Tls = new TlsSettings("cert.pem", "key.pem", "", 0, "TLSv1_2", "", TimeSpan.FromSeconds(30),
                new Dictionary<string, string> { ["a.example"] = "a.pem" }, ["h2", "h1"]),
            Http = new HttpSettings
            {
                HttpProtocols = ["h2", "h1"],
                Http2MaxConcurrentStreams = 7,
                LimitRequestLine = 4094,
                HeaderMap = AkkaGunicorn.Http.Parsing.HeaderMapPolicy.Refuse,
                ForwarderHeaders = ["SCRIPT_NAME"],
                KeepAlive = TimeSpan.FromSeconds(2),
                SecureSchemeHeaders = new Dictionary<string, string> { ["X-Forwarded-Proto"] = "https" },
                ForwardedAllowIps = "127.0.0.1,::1",
                RootPath = "/shop",
            },
            AccessLogFormat = "%(h)s",
            Recycle = new RecycleLimits(1000, 50, 512L << 20),
            GracefulTimeout = TimeSpan.FromSeconds(5),
        },
    };

    [Fact]
    public void A_worker_reads_its_whole_record()
    {
        var boot = Boot();
        var read = Record(BootChannel.RecordFrame(boot));
        Assert.Equal(boot.Secrets.Token, read.Secrets.Token);
        Assert.Equal((4242, 3, 7, 9, (int?)10, 2, "1000:1000"),
            (read.ArbiterPid, read.Generation, read.Slot, read.LifelineDescriptor, read.BoardDescriptor, read.BoardEntry, read.Identity));
        Assert.Equal(boot.Listeners, read.Listeners);
        var settings = read.Settings;
        Assert.Equal(boot.Settings.Log with { ConfigTree = settings.Log.ConfigTree }, settings.Log);
        Assert.Equal("Debug", settings.Log.ConfigTree["MinimumLevel:Default"]);
        Assert.Equal(boot.Settings.Syslog, settings.Syslog);
        Assert.Equal(boot.Settings.Recycle, settings.Recycle);
        Assert.Equal("a.pem", settings.Tls!.SniCertFiles["a.example"]);
        var http = settings.Http.ToOptions();
        Assert.Equal((4094, "/shop", TimeSpan.FromSeconds(2)), (http.Parser.LimitRequestLine, http.RootPath, http.KeepAlive));
        Assert.Equal("https", http.SecureSchemeHeaders["x-forwarded-proto"]);
        Assert.Equal(["h2", "h1"], settings.Tls.Protocols);
        Assert.Equal((7, true), (http.Http2!.MaxConcurrentStreams, http.Http2.AlsoHttp1));
    }

    /// <summary>
    /// Every property of the record and of everything in it, filled with a value of its own (twice, so that each flag is
    /// seen both ways), arrives as sent: a property added to the record and forgotten by its codec fails here.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Every_field_of_the_record_arrives_as_sent(int seed)
    {
        var boot = (WorkerBoot)new Arbitrary(seed).Make(typeof(WorkerBoot));
        var read = Record(BootChannel.RecordFrame(boot));
        Assert.Equal(JsonSerializer.Serialize(boot), JsonSerializer.Serialize(read));
    }

    [Fact]
    public void A_record_frame_of_noise_or_with_bytes_after_the_record_is_refused()
    {
        var frame = BootChannel.RecordFrame(Boot());
        var noise = new byte[frame.Length];
        new Random(7).NextBytes(noise);
        Assert.Throws<SerializationException>(() => Record([.. frame[..8], .. noise[8..]]));
        var longer = frame.ToArray();
        BitConverter.TryWriteBytes(longer.AsSpan(4), frame.Length - 8 + 1);
        Assert.Throws<SerializationException>(() => Record([.. longer, 0]));
    }

    /// <summary>Builds any of the record's types with no property left at its default.</summary>
    private sealed class Arbitrary(int seed)
    {
        private int _next = seed;

        public object Make(Type type)
        {
            int n = _next++;
            if (type == typeof(string)) return $"s{n}";
            if (type == typeof(int)) return n;
            if (type == typeof(long)) return (long)n << 33;
            if (type == typeof(bool)) return n % 2 == 1;
            if (type == typeof(TimeSpan)) return TimeSpan.FromTicks(n * 10_000_001L);
            if (type == typeof(byte[])) return new[] { (byte)n, (byte)255, (byte)0 };
            if (type == typeof(Uri)) return new Uri($"http://127.0.0.{n % 250}:{4000 + n}/p{n}/");
            if (Nullable.GetUnderlyingType(type) is { } inner) return Make(inner);
            if (type.IsEnum) return Enum.GetValues(type).GetValue(n % Enum.GetValues(type).Length)!;
            if (type == typeof(IReadOnlyList<string>)) return new List<string> { $"a{n}", $"b{n}" };
            if (type == typeof(IReadOnlyDictionary<string, string>)) return new Dictionary<string, string> { [$"k{n}"] = $"v{n}", [$"l{n}"] = "" };
            if (type == typeof(IReadOnlyList<InheritedListener>))
                return new List<InheritedListener> { (InheritedListener)Make(typeof(InheritedListener)), (InheritedListener)Make(typeof(InheritedListener)) };
            // A record: through its widest constructor, then every property that constructor does not set.
            var constructor = type.GetConstructors().MaxBy(c => c.GetParameters().Length)!;
            var parameters = constructor.GetParameters();
            var made = constructor.Invoke([.. parameters.Select(p => Make(p.ParameterType))]);
            foreach (var property in type.GetProperties().Where(p => p.SetMethod is { IsPublic: true } && parameters.All(c => c.Name != p.Name)))
                property.SetValue(made, Make(property.PropertyType));
            return made;
        }
    }

    [Fact]
    public void A_record_larger_than_a_pipe_holds_arrives_whole()
    {
        var boot = Boot(new string('t', 200_000));
        Assert.Equal(200_000, Record(BootChannel.RecordFrame(boot)).Secrets.Token.Length);
    }

    [Fact]
    public async Task The_Arbiters_path_follows_the_record_and_ends_the_channel()
    {
        const string path = "akka.uds://arbiter@9508703606384d73a7afb8e07c7f7d21:4242/user/arbiter";
        using var channel = new BootChannel(PipeHolding([.. BootChannel.RecordFrame(Boot("t1")), .. BootChannel.PathFrame(path)]));
        Assert.Equal("t1", channel.ReadRecord().Secrets.Token);
        Assert.Equal(path, await channel.ReadArbiterPathAsync());
    }

    [Fact]
    public async Task A_channel_that_ends_after_the_record_tells_the_worker_it_has_no_slot()
    {
        using var channel = new BootChannel(PipeHolding(BootChannel.RecordFrame(Boot())));
        channel.ReadRecord();
        await Assert.ThrowsAsync<SerializationException>(channel.ReadArbiterPathAsync);
    }

    [Fact]
    public void Anything_else_in_the_channel_is_refused()
    {
        Assert.Throws<SerializationException>(() => Record("not a worker's record"u8.ToArray()));
        Assert.Throws<SerializationException>(() => Record(new byte[2_000_000]));
        var tooLong = BootChannel.RecordFrame(Boot());
        BitConverter.TryWriteBytes(tooLong.AsSpan(4), 2 << 20);
        Assert.Throws<SerializationException>(() => Record(tooLong));
        var truncated = BootChannel.RecordFrame(Boot(new string('t', 100)))[..50];
        Assert.Throws<SerializationException>(() => Record(truncated));
        Assert.Throws<SerializationException>(() => Record([]));
        // The path where the record belongs.
        Assert.Throws<SerializationException>(() => Record(BootChannel.PathFrame("akka.uds://arbiter@9508703606384d73a7afb8e07c7f7d21:1/user/arbiter")));
    }

    [Fact]
    public void Tokens_are_compared_whole()
    {
        var token = WorkerSecrets.NewToken();
        Assert.Equal(32, token.Length);
        Assert.True(WorkerSecrets.SameToken(token, token));
        Assert.False(WorkerSecrets.SameToken(token[..^1], token));
        Assert.False(WorkerSecrets.SameToken(WorkerSecrets.NewToken(), token));
    }
}
