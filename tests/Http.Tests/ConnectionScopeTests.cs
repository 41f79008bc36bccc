using System.Net;
using AkkaGunicorn.Http.Server;
using Xunit;

namespace AkkaGunicorn.Http.Tests;

/// <summary>
/// When a closing response's buffer may be reused: only once the sink has sent everything (a send in flight on a slow
/// network still reads it), at once if that has happened already, and never for an aborted connection. And when a
/// receive buffer whose last bytes were lent out may be: only once the app stage has dropped the body chunk.
/// </summary>
public sealed class ConnectionScopeTests
{
    private static ConnectionScope NewScope() => new(new ConnectionInfo(new IPEndPoint(IPAddress.Loopback, 1), new IPEndPoint(IPAddress.Loopback, 2)));

    [Fact]
    public void A_release_waits_for_the_last_send_and_runs_once()
    {
        var scope = NewScope();
        int released = 0;
        scope.ReleaseAfterLastSend(() => released++);
        scope.ReleaseAfterLastSend(() => released += 10);
        Assert.Equal(0, released);
        scope.LastSendDone();
        Assert.Equal(11, released);
        scope.LastSendDone();
        Assert.Equal(11, released);
    }

    [Fact]
    public void A_release_after_the_last_send_runs_at_once()
    {
        var scope = NewScope();
        scope.LastSendDone();
        bool released = false;
        scope.ReleaseAfterLastSend(() => released = true);
        Assert.True(released);
    }

    [Fact]
    public void An_aborted_connection_never_releases()
    {
        // The sink of an aborted connection never reports its last send: the buffer is left to the collector.
        var scope = NewScope();
        bool released = false;
        scope.ReleaseAfterLastSend(() => released = true);
        Assert.False(released);
    }

    [Fact]
    public void A_lent_receive_buffer_waits_for_the_app_stage_and_goes_back_once()
    {
        var scope = NewScope();
        int released = 0;
        scope.ReleaseAfterBodyClosed(() => released++);
        // The last send says nothing about the app, which may still be reading a body chunk.
        scope.LastSendDone();
        Assert.Equal(0, released);
        scope.BodyClosed();
        Assert.Equal(1, released);
        scope.BodyClosed();
        Assert.Equal(1, released);
        scope.ReleaseAfterBodyClosed(() => released += 10);
        Assert.Equal(11, released);
    }
}
