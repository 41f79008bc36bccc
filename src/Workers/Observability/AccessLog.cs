using System.Text;
using System.Threading.Channels;
using AkkaGunicorn.Http.Server;
using AkkaGunicorn.Workers.Logging;

namespace AkkaGunicorn.Workers.Observability;

/// <summary>
/// The access log: each finished exchange is rendered on its connection's stage (the request objects are reused
/// right after) and queued; a background writer appends the queued lines in batches of whole lines. A worker never
/// waits on the disk in the request path: if the disk falls so far behind that the queue fills, lines are dropped
/// and counted rather than slowing requests down. With syslog on, each line also goes there as one datagram
/// (Gunicorn's redirect of the access log to syslog).
/// </summary>
public sealed class AccessLog : IExchangeObserver, IAsyncDisposable
{
    private const int QueueLimit = 100_000, BatchBytes = 64 * 1024, InfoSeverity = 6;
    private readonly AccessLogFormat _format;
    private readonly LineFile? _file;
    private readonly SyslogWriter? _syslog;
    private readonly Channel<string> _queue = Channel.CreateBounded<string>(new BoundedChannelOptions(QueueLimit)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });
    private readonly Task _writer;
    private long _dropped;
    [ThreadStatic] private static StringBuilder? _line;

    /// <summary>Starts the writer, appending to <paramref name="file"/> and sending to <paramref name="syslog"/> (either may be null); it owns both.</summary>
    public AccessLog(AccessLogFormat format, LineFile? file, SyslogWriter? syslog = null)
    {
        _format = format;
        _file = file;
        _syslog = syslog;
        _writer = Task.Run(WriteAsync);
    }

    /// <summary>Lines dropped because the writer fell behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <inheritdoc />
    public void Completed(in Exchange exchange)
    {
        var line = _line ??= new StringBuilder(256);
        line.Clear();
        _format.Render(exchange, DateTimeOffset.Now, line);
        line.Append('\n');
        if (!_queue.Writer.TryWrite(line.ToString())) Interlocked.Increment(ref _dropped);
    }

    private async Task WriteAsync()
    {
        var batch = new MemoryStream(BatchBytes);
        while (await _queue.Reader.WaitToReadAsync())
        {
            // Everything queued now goes out in as few writes as possible, each of whole lines.
            while (_queue.Reader.TryRead(out var line))
            {
                // Syslog first: a line in the file means its datagram has gone (tests rely on that order).
                _syslog?.Send(InfoSeverity, line[..^1]);
                if (_file is null) continue;
                var bytes = Encoding.UTF8.GetBytes(line);
                if (batch.Length + bytes.Length > BatchBytes && batch.Length > 0) Flush(batch);
                batch.Write(bytes);
            }
            Flush(batch);
        }
    }

    private void Flush(MemoryStream batch)
    {
        if (batch.Length == 0) return;
        _file!.Append(batch.GetBuffer().AsSpan(0, (int)batch.Length));
        batch.SetLength(0);
    }

    /// <summary>Opens the file again (logrotate).</summary>
    public void Reopen() => _file?.Reopen();

    /// <summary>Writes what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
        _file?.Dispose();
        _syslog?.Dispose();
    }
}
