using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace AkkaGunicorn.Workers.Observability;

/// <summary>
/// Sends statsd metrics over UDP with Gunicorn's names, a prefix and optional DogStatsD tags. Metrics are queued
/// and a background loop packs them, newline-separated, into datagrams: a request never waits on the network,
/// and a full queue drops metrics rather than requests' time.
/// </summary>
public sealed class StatsdClient : IAsyncDisposable
{
    private const int MaxDatagram = 1432, QueueLimit = 50_000;
    private readonly Socket _socket;
    private readonly string _prefix, _tags;
    private readonly Channel<string> _queue = Channel.CreateBounded<string>(new BoundedChannelOptions(QueueLimit)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });
    private readonly Task _sender;

    /// <summary>Starts sending to <paramref name="target"/>.</summary>
    public StatsdClient(IPEndPoint target, string prefix, string tags)
    {
        _socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Connect(target);
        // Gunicorn's rule: a prefix ends with exactly one dot.
        _prefix = prefix.Length == 0 ? "" : prefix.TrimEnd('.') + ".";
        _tags = tags.Length == 0 ? "" : "|#" + string.Join(',', tags.Split(',').Select(t => t.Trim()));
        _sender = Task.Run(SendAsync);
    }

    /// <summary>A counter: <c>name:value|c</c>.</summary>
    public void Increment(string name, long value = 1) => Enqueue(name, value.ToString(System.Globalization.CultureInfo.InvariantCulture), "c");

    /// <summary>A timing in milliseconds: <c>name:ms|ms</c>.</summary>
    public void Timing(string name, double milliseconds) => Enqueue(name, milliseconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture), "ms");

    /// <summary>A gauge: <c>name:value|g</c>.</summary>
    public void Gauge(string name, long value) => Enqueue(name, value.ToString(System.Globalization.CultureInfo.InvariantCulture), "g");

    private void Enqueue(string name, string value, string type) => _queue.Writer.TryWrite($"{_prefix}{name}:{value}|{type}{_tags}");

    private async Task SendAsync()
    {
        var datagram = new StringBuilder(MaxDatagram);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (_queue.Reader.TryRead(out var metric))
            {
                if (datagram.Length > 0 && datagram.Length + 1 + metric.Length > MaxDatagram) Send(datagram);
                if (datagram.Length > 0) datagram.Append('\n');
                datagram.Append(metric);
            }
            Send(datagram);
        }
    }

    private void Send(StringBuilder datagram)
    {
        try
        {
            _socket.Send(Encoding.ASCII.GetBytes(datagram.ToString()));
        }
        catch (SocketException)
        {
            // Nobody listening (ECONNREFUSED from an earlier datagram) or a full buffer: metrics are best effort.
        }
        datagram.Clear();
    }

    /// <summary>Sends what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _sender;
        _socket.Dispose();
    }
}
