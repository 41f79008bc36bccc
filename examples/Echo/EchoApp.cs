using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using AkkaGunicorn.Http.App;

namespace Echo;

/// <summary>
/// Answers every request with a JSON description of it, body included, so that tests can see exactly
/// what the server parsed. Test suites outside this repository rely on the shape:
/// <c>{"method","target","path_base","path","query","version","headers","trailers","body_base64","body_length","scheme","remote_addr"}</c>,
/// after a PROXY preamble <c>"proxy": {"source","authority","ssl_version","tlvs"}</c>, and on TLS connections <c>"tls": {"protocol","alpn","server_name","client_certificate"}</c>.
/// A WebSocket opened on any path echoes every message back, text as text and binary as binary, until the client closes.
/// </summary>
public sealed class EchoApp : IHttpApp
{
    /// <inheritdoc />
    public async Task HandleAsync(HttpRequest request, HttpResponse response, CancellationToken aborted)
    {
        if (WebSocketUpgrade.IsWebSocketRequest(request))
        {
            await EchoMessagesAsync(await WebSocketUpgrade.AcceptAsync(request, response), aborted);
            return;
        }
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, aborted);
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("method", request.Method);
            json.WriteString("target", request.Target);
            json.WriteString("path_base", request.PathBase);
            json.WriteString("path", request.Path);
            json.WriteString("query", request.Query);
            json.WriteString("version", request.Protocol);
            WriteFields(json, "headers", request.Headers);
            WriteFields(json, "trailers", request.Trailers);
            json.WriteString("body_base64", Convert.ToBase64String(body.GetBuffer(), 0, (int)body.Length));
            json.WriteNumber("body_length", body.Length);
            json.WriteString("scheme", request.Scheme);
            if (request.Tls is { } tls)
            {
                json.WriteStartObject("tls");
                json.WriteString("protocol", tls.Protocol.ToString());
                json.WriteString("alpn", tls.ApplicationProtocol);
                json.WriteString("server_name", tls.HostName);
                json.WriteString("client_certificate", tls.ClientCertificate?.Subject);
                json.WriteEndObject();
            }
            if (request.Proxy is { } proxy)
            {
                json.WriteStartObject("proxy");
                json.WriteString("source", proxy.Source?.ToString());
                json.WriteString("authority", proxy.Authority);
                json.WriteString("ssl_version", proxy.Ssl?.Version);
                json.WriteNumber("tlvs", proxy.Tlvs.Count);
                json.WriteEndObject();
            }
            json.WriteString("remote_addr", request.RemoteEndPoint switch
            {
                IPEndPoint ip => ip.Address.ToString(),
                { } other => other.ToString(),
                null => "",
            });
            json.WriteEndObject();
        }
        response.Headers.Add("Content-Type", "application/json");
        await response.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), aborted);
    }

    private static async Task EchoMessagesAsync(WebSocket socket, CancellationToken aborted)
    {
        using var _ = socket;
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, aborted);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(received.CloseStatus ?? WebSocketCloseStatus.NormalClosure, received.CloseStatusDescription, aborted);
                return;
            }
            // Frame by frame: a fragmented message goes back fragmented the same way.
            await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, aborted);
        }
    }

    private static void WriteFields(Utf8JsonWriter json, string name, HeaderList fields)
    {
        json.WriteStartArray(name);
        foreach (var (key, value) in fields)
        {
            json.WriteStartArray();
            json.WriteStringValue(key);
            json.WriteStringValue(value);
            json.WriteEndArray();
        }
        json.WriteEndArray();
    }
}
