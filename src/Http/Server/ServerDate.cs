using System.Text;

namespace AkkaGunicorn.Http.Server;

/// <summary>The <c>Date: ...\r\n</c> header line, rendered once a second rather than once per response.</summary>
internal static class ServerDate
{
    private static byte[] _line = Render();
    private static readonly Timer Ticker = new(_ => _line = Render(), null, 1000 - DateTime.UtcNow.Millisecond, 1000);

    public static ReadOnlySpan<byte> HeaderLine
    {
        get
        {
            GC.KeepAlive(Ticker);
            return Volatile.Read(ref _line);
        }
    }

    private static byte[] Render() => Encoding.ASCII.GetBytes($"Date: {DateTime.UtcNow:R}\r\n");
}
