using Akka;
using Akka.Streams.Dsl;
using AkkaGunicorn.Http.App;
using AkkaGunicorn.Http.Stages;

namespace AkkaGunicorn.Http.Server;

/// <summary>
/// The HTTP/1.1 server for one connection, composed as akka-http composes it: a protocol BidiFlow
/// (bytes to requests on top, responses to bytes below) joined with the app flow.
/// <code>
///   bytes in  ──▶ RequestParserStage ──▶ RequestPart  ──▶ ┐
///                                                        AppStage (calls IHttpApp)
///   bytes out ◀── ResponseWriterStage ◀── ResponsePart ◀─ ┘
/// </code>
/// </summary>
public static class HttpServerBlueprint
{
    /// <summary>The protocol layer: parsing and rendering, with no app.</summary>
    public static BidiFlow<ReadOnlyMemory<byte>, RequestPart, ResponsePart, ReadOnlyMemory<byte>, NotUsed> Protocol(
        HttpServerOptions options, ServerState state, ConnectionInfo connection, UpgradeSwitch? upgrade = null) =>
        BidiFlow.FromFlows(
            Flow.FromGraph(new RequestParserStage(options, state, connection, upgrade)),
            Flow.FromGraph(new ResponseWriterStage(options.ServerHeader)));

    /// <summary>
    /// The whole server for one connection: socket bytes in, socket bytes out. The parser and the app stage share the
    /// connection's <see cref="UpgradeSwitch"/>: an app that switches protocols turns the parser into a pass-through.
    /// </summary>
    public static Flow<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>, NotUsed> Create(
        IHttpApp app, HttpServerOptions options, ServerState state, ConnectionInfo connection)
    {
        var upgrade = new UpgradeSwitch();
        return Protocol(options, state, connection, upgrade).Join(Flow.FromGraph(new AppStage(app, options, state, connection, upgrade)));
    }

    /// <summary>
    /// The server for any connection: built once, it takes the connection from the <see cref="ConnectionScope"/>
    /// attribute each materialization adds.
    /// </summary>
    public static Flow<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>, NotUsed> Create(IHttpApp app, HttpServerOptions options, ServerState state)
    {
        var http1 = BidiFlow.FromFlows(
                Flow.FromGraph(new RequestParserStage(options, state)),
                Flow.FromGraph(new ResponseWriterStage(options.ServerHeader)))
            .Join(Flow.FromGraph(new AppStage(app, options, state)));
        // With HTTP/2 on, a selector in front decides per connection; without, HTTP/1 connections pay nothing for it.
        return options.Http2 is null ? http1 : BidiFlow.FromGraph(new Http2.ProtocolSelector(app, options, state)).Join(http1);
    }
}
