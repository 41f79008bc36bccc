using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace AkkaGunicorn.Http.App;

/// <summary>
/// WebSockets for native apps: the RFC 6455 opening handshake on top of <see cref="HttpResponse.UpgradeAsync"/>, and
/// .NET's own <see cref="WebSocket"/> (framing, masking, ping/pong, close) over the upgraded connection.
/// </summary>
public static class WebSocketUpgrade
{
    // RFC 6455 §1.3: the GUID the server appends to the client's key.
    private const string HandshakeGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>Whether <paramref name="request"/> opens a WebSocket: a GET that may upgrade, to "websocket", with a key, version 13.</summary>
    public static bool IsWebSocketRequest(HttpRequest request) =>
        request.IsUpgradeRequest && request.Method == "GET"
        && request.Headers.GetValues("Upgrade").Any(v => v.Split(',').Any(t => t.Trim().Equals("websocket", StringComparison.OrdinalIgnoreCase)))
        && request.Headers["Sec-WebSocket-Key"] is { Length: > 0 }
        && request.Headers["Sec-WebSocket-Version"]?.Trim() == "13";

    /// <summary>
    /// Accepts the WebSocket: sends <c>101 Switching Protocols</c> with <c>Sec-WebSocket-Accept</c> (and
    /// <paramref name="subProtocol"/> when given) and returns the server side of the WebSocket. Throws
    /// <see cref="InvalidOperationException"/> when the request is not a WebSocket request; answer it with 400 instead.
    /// </summary>
    public static async Task<WebSocket> AcceptAsync(HttpRequest request, HttpResponse response, string? subProtocol = null, TimeSpan? keepAlive = null)
    {
        if (!IsWebSocketRequest(request)) throw new InvalidOperationException("Not a WebSocket request (see WebSocketUpgrade.IsWebSocketRequest).");
        var key = request.Headers["Sec-WebSocket-Key"]!.Trim();
        response.Headers.Set("Upgrade", "websocket");
        response.Headers.Set("Sec-WebSocket-Accept", Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + HandshakeGuid))));
        if (subProtocol is not null) response.Headers.Set("Sec-WebSocket-Protocol", subProtocol);
        var stream = await response.UpgradeAsync();
        return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions
        {
            IsServer = true,
            SubProtocol = subProtocol,
            KeepAliveInterval = keepAlive ?? TimeSpan.FromSeconds(30),
        });
    }
}
