using Serilog;
using Serilog.Events;

namespace AkkaGunicorn.Workers.Logging;

/// <summary>
/// Lets a few lines of one kind through per period and counts the rest, so that whoever floods a channel with bad
/// input costs the server a counter, not its log. When a period ends with lines held back, the next line that gets
/// through says how many.
/// </summary>
public sealed class LogThrottle(int perPeriod, TimeSpan period)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, (long Start, int Written, long Suppressed)> _kinds = new();

    /// <summary>Lines held back so far, of every kind.</summary>
    public long Suppressed { get; private set; }

    /// <summary>Writes the line unless its kind has used up this period's lines; returns whether it was written.</summary>
    public bool Write(string kind, LogEventLevel level, Exception? exception, string template, params object?[] values)
    {
        long held;
        lock (_gate)
        {
            long now = Environment.TickCount64;
            var (start, written, suppressed) = _kinds.GetValueOrDefault(kind, (now, 0, 0));
            if (now - start >= (long)period.TotalMilliseconds) (start, written) = (now, 0);
            if (written >= perPeriod)
            {
                _kinds[kind] = (start, written, suppressed + 1);
                Suppressed++;
                return false;
            }
            _kinds[kind] = (start, written + 1, 0);
            held = suppressed;
        }
        Log.Write(level, exception, template, values);
        if (held > 0) Log.Write(level, "({Count} more lines like the one above were held back before it)", held);
        return true;
    }
}
