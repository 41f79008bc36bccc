using AkkaGunicorn.Workers.Observability;
using Xunit;

namespace AkkaGunicorn.Http.Tests.Sockets;

/// <summary>Parsing of access log formats: every Gunicorn atom is accepted, anything else named in the error.</summary>
public sealed class AccessLogFormatTests
{
    [Theory]
    [InlineData("%(h)s %(l)s %(u)s %(t)s %(r)s %(m)s %(U)s %(q)s %(H)s %(s)s %(B)s %(b)s %(f)s %(a)s %(T)s %(D)s %(M)s %(L)s %(p)s")]
    [InlineData("%({x-request-id}i)s %({content-type}o)s %({REMOTE_ADDR}e)s 100%%")]
    [InlineData(AccessLogFormat.Default)]
    public void Gunicorns_atoms_parse(string format) => Assert.Null(Record.Exception(() => new AccessLogFormat(format)));

    [Theory]
    [InlineData("%(z)s", "unknown atom %(z)s")]
    [InlineData("%(h)d", "an atom is written %(NAME)s")]
    [InlineData("%(h", "an atom is written %(NAME)s")]
    [InlineData("%({x}q)s", "unknown atom %({x}q)s")]
    public void Anything_else_is_refused_by_name(string format, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => new AccessLogFormat(format)).Message);
}
