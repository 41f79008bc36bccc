using System.Net;
using AkkaGunicorn.Http.Parsing;
using Xunit;
using static AkkaGunicorn.Http.Tests.Proxying.ProxyV2Builder;

namespace AkkaGunicorn.Http.Tests.Proxying;

/// <summary>PROXY protocol version 2 TLVs: what the proxy knew about the client beyond its address.</summary>
public sealed class ProxyTlvTests
{
    private static readonly IPEndPoint Client = new(IPAddress.Parse("203.0.113.7"), 51234), Front = new(IPAddress.Parse("192.0.2.10"), 443);

    [Fact]
    public void Authority_alpn_and_ssl_details_are_read_and_noop_padding_is_skipped()
    {
        var preamble = Preamble(Client, Front,
            Tlv(0x01, "h2"), Tlv(0x04, new byte[7]), Tlv(0x02, "api.example.com"),
            Ssl(0x07, Tlv(0x21, "TLSv1.3"), Tlv(0x22, "alice"), Tlv(0x23, "TLS_AES_128_GCM_SHA256")), Tlv(0xE0, [1, 2, 3]));
        Assert.Equal(ProxyPreamble.Parsed, ProxyProtocolParser.TryParse([.. preamble, .. "GET / HTTP/1.1\r\n"u8], out int consumed, out var info));
        Assert.Equal(preamble.Length, consumed);
        Assert.Equal(Client, info!.Source);
        Assert.Equal(Front, info.Destination);
        Assert.Equal("api.example.com", info.Authority);
        Assert.Equal("h2", info.Alpn);
        Assert.Equal(new ProxySsl(0x07, true, "TLSv1.3", "TLS_AES_128_GCM_SHA256", "alice"), info.Ssl);
        Assert.Equal([0x01, 0x02, 0x20, 0xE0], info.Tlvs.Select(t => t.Type));
        Assert.Equal([1, 2, 3], info.Find(0xE0)!.Value);
    }

    [Fact]
    public void A_preamble_without_tlvs_has_none()
    {
        Assert.Equal(ProxyPreamble.Parsed, ProxyProtocolParser.TryParse(Preamble(Client, Front), out _, out var info));
        Assert.Empty(info!.Tlvs);
        Assert.Null(info.Authority);
        Assert.Null(info.Ssl);
    }

    [Fact]
    public void A_tlv_that_runs_past_the_preamble_is_invalid()
    {
        var preamble = Preamble(Client, Front, Tlv(0x02, "host"));
        // Claim a longer value than the preamble holds.
        preamble[^5] = 0x00;
        preamble[^6] = 0x09;
        Assert.Equal(ProxyPreamble.Invalid, ProxyProtocolParser.TryParse(preamble, out _, out _));
        Assert.Equal(ProxyPreamble.Invalid, ProxyProtocolParser.TryParse(Preamble(Client, Front, [0x02, 0x00]), out _, out _));
    }

    [Fact]
    public void A_preamble_longer_than_the_cap_is_refused_before_it_is_all_read()
    {
        var preamble = Preamble(Client, Front, Tlv(0xE1, new byte[ProxyProtocolParser.V2MaxBody]));
        // Only the header has arrived: the declared length alone refuses it, so nobody waits for (or buffers) 64 KiB.
        Assert.Equal(ProxyPreamble.Invalid, ProxyProtocolParser.TryParse(preamble.AsSpan(0, 16), out _, out _));
    }

    [Fact]
    public void Partial_preambles_ask_for_more()
    {
        var preamble = Preamble(Client, Front, Tlv(0x02, "api.example.com"));
        for (int length = 1; length < preamble.Length; length++)
            Assert.Equal(ProxyPreamble.NeedMore, ProxyProtocolParser.TryParse(preamble.AsSpan(0, length), out _, out _));
    }
}
