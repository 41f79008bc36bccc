namespace AkkaGunicorn.Http.Exchanges;

/// <summary>
/// Where the current request/response exchange of a connection is, in order (Kestrel's RequestProcessingStatus is the
/// model): each exchange moves forward through these and back to <see cref="Idle"/> for the next request.
/// </summary>
public enum ExchangeStatus : byte
{
    /// <summary>Waiting for the next request's head.</summary>
    Idle,

    /// <summary>The app has the request; no part of the response has gone out.</summary>
    AppRunning,

    /// <summary>The response head has gone out (or is queued); body parts may follow.</summary>
    ResponseStarted,

    /// <summary>The response's final part is queued for the writer.</summary>
    FinalQueued,

    /// <summary>The writer has the final part; on its next pull the response is on its way.</summary>
    FinalPushed,

    /// <summary>The response is out but the app, which ended it early, has not returned yet.</summary>
    AwaitingApp,

    /// <summary>The response is out; the unread rest of the request body is being discarded.</summary>
    DrainingBody,
}
