namespace AkkaGunicorn.Http.Server;

/// <summary>Why the server closed a connection its client had not finished with: each is counted.</summary>
public enum ConnectionExpiry : byte
{
    /// <summary>No complete request head within <c>request_header_timeout</c>.</summary>
    HeaderTimeout,
    /// <summary>A request body arrived slower than <c>min_request_body_rate</c>.</summary>
    SlowRequestBody,
    /// <summary>The client read a response slower than <c>min_response_rate</c>.</summary>
    SlowResponseReader,
    /// <summary>Closed while waiting for a request, to admit a new connection at <c>worker_connections</c>.</summary>
    Evicted,
}
