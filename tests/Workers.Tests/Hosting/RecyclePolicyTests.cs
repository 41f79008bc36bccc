using AkkaGunicorn.Workers.Hosting;
using Xunit;

namespace AkkaGunicorn.Workers.Tests.Hosting;

/// <summary>When a worker asks to be replaced: its request quota and its memory limit, side by side.</summary>
public sealed class RecyclePolicyTests
{
    [Fact]
    public void The_quota_is_max_requests_plus_a_jitter_drawn_once_within_its_bound()
    {
        var limits = new RecycleLimits(1000, 50, 0);
        var quotas = Enumerable.Range(0, 200).Select(i => limits.Draw(new Random(i)).RequestQuota).ToList();
        Assert.All(quotas, q => Assert.InRange(q, 1000, 1050));
        // Workers started together spread out.
        Assert.True(quotas.Distinct().Count() > 10);
        Assert.Equal(1000, new RecycleLimits(1000, 0, 0).Draw(new Random(1)).RequestQuota);
        Assert.Equal(0, new RecycleLimits(0, 50, 0).Draw(new Random(1)).RequestQuota);
    }

    [Fact]
    public void Each_limit_gives_its_reason_once_passed_and_none_when_off()
    {
        var policy = new RecyclePolicy(RequestQuota: 10, MaxResidentBytes: 100L << 20);
        Assert.Null(policy.QuotaReason(9));
        Assert.Equal("served 10 requests (max_requests)", policy.QuotaReason(10));
        Assert.Null(policy.MemoryReason(100L << 20));
        Assert.Equal("uses 150 MB, more than max_worker_memory (100 MB)", policy.MemoryReason(150L << 20));
        var off = new RecyclePolicy(0, 0);
        Assert.Null(off.QuotaReason(long.MaxValue));
        Assert.Null(off.MemoryReason(long.MaxValue));
    }
}
