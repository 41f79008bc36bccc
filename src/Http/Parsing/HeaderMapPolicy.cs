namespace AkkaGunicorn.Http.Parsing;

/// <summary>What to do with header names containing '_' (Gunicorn's <c>header_map</c>), which proxies may confuse with '-'.</summary>
public enum HeaderMapPolicy
{
    /// <summary>Silently drop the header (Gunicorn's default).</summary>
    Drop,
    /// <summary>Refuse the request with 400.</summary>
    Refuse,
    /// <summary>Keep the header as sent.</summary>
    Dangerous,
}
