namespace AkkaGunicorn.Http.Stages;

/// <summary>
/// Shared by one connection's parser and app stages (one fused graph, so one thread): set when the app accepts an
/// upgrade. The parser, which holds back after an upgradable request until its answer is known, then passes every
/// further byte through as the upgraded stream's input instead of parsing it as HTTP.
/// </summary>
public sealed class UpgradeSwitch
{
    /// <summary>Whether the connection has switched protocols.</summary>
    public bool Upgraded { get; internal set; }
}
