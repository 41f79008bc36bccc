using System.Text;

namespace AkkaGunicorn.Http.Server;

/// <summary>The <c>Date</c> header, rendered once a second rather than once per response.</summary>
internal static class ServerDate
{
    private sealed record Rendered(byte[] Line, string Value);

    private static Rendered _current = Render();
    private static readonly Timer Ticker = new(_ => _current = Render(), null, 1000 - DateTime.UtcNow.Millisecond, 1000);

    /// <summary>The HTTP/1 line, <c>Date: ...\r\n</c>.</summary>
    public static ReadOnlySpan<byte> HeaderLine => Current.Line;

    /// <summary>The value alone (for HTTP/2's header block).</summary>
    public static string Value => Current.Value;

    private static Rendered Current
    {
        get
        {
            GC.KeepAlive(Ticker);
            return Volatile.Read(ref _current);
        }
    }

    private static Rendered Render()
    {
        var value = DateTime.UtcNow.ToString("R");
        return new Rendered(Encoding.ASCII.GetBytes($"Date: {value}\r\n"), value);
    }
}
