using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace AkkaGunicorn.Workers.Logging;

/// <summary>Serilog events as whole lines appended to a <see cref="LineFile"/> (the error log as a file).</summary>
public sealed class LineFileSink(LineFile file, ITextFormatter formatter) : ILogEventSink
{
    /// <inheritdoc />
    public void Emit(LogEvent logEvent)
    {
        var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        formatter.Format(logEvent, text);
        file.Append(Encoding.UTF8.GetBytes(text.ToString()));
    }
}
