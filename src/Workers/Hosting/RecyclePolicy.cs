namespace AkkaGunicorn.Workers.Hosting;

/// <summary>The configured recycling limits: <c>max_requests</c>, <c>max_requests_jitter</c>, <c>max_worker_memory</c> (bytes); 0 for none.</summary>
public sealed record RecycleLimits(long MaxRequests, long MaxRequestsJitter, long MaxResidentBytes)
{
    /// <summary>
    /// This worker's own policy: its request quota is <c>max_requests</c> plus a jitter drawn once, so that workers
    /// started together do not all recycle together.
    /// </summary>
    public RecyclePolicy Draw(Random random) =>
        new(MaxRequests > 0 ? MaxRequests + random.NextInt64(MaxRequestsJitter + 1) : 0, MaxResidentBytes);
}

/// <summary>
/// When a worker asks to be replaced, both reasons side by side: it has served its request quota, or its resident
/// memory has passed the limit. The worker decides; the Arbiter starts the replacement first and drains it after.
/// </summary>
/// <param name="RequestQuota">Requests after which the worker asks to be replaced; 0 never.</param>
/// <param name="MaxResidentBytes">Resident memory beyond which it asks; 0 never.</param>
public sealed record RecyclePolicy(long RequestQuota, long MaxResidentBytes)
{
    /// <summary>Why a worker that has served <paramref name="served"/> requests should be replaced, or null.</summary>
    public string? QuotaReason(long served) =>
        RequestQuota > 0 && served >= RequestQuota ? $"served {served} requests (max_requests)" : null;

    /// <summary>Why a worker whose resident memory is <paramref name="resident"/> bytes should be replaced, or null.</summary>
    public string? MemoryReason(long resident) =>
        MaxResidentBytes > 0 && resident > MaxResidentBytes
            ? $"uses {resident >> 20} MB, more than max_worker_memory ({MaxResidentBytes >> 20} MB)"
            : null;
}
