using AkkaGunicorn.Http.App;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace AkkaGunicorn.AspNetCore.Exchange;

/// <summary>Header fields between the connection's lists (one field per line) and ASP.NET Core's dictionaries (one entry per name).</summary>
internal static class HeaderCopy
{
    /// <summary>Adds <paramref name="source"/>'s fields to <paramref name="target"/>; a repeated name gathers its values in order.</summary>
    public static void Into(IHeaderDictionary target, HeaderList source)
    {
        foreach (var (name, value) in source)
            target[name] = target.TryGetValue(name, out var earlier) ? StringValues.Concat(earlier, value) : value;
    }

    /// <summary>Adds <paramref name="source"/>'s fields to <paramref name="target"/>, one field per value.</summary>
    public static void Into(HeaderList target, IHeaderDictionary source)
    {
        foreach (var (name, values) in source)
            foreach (var value in values)
                if (value is not null) target.Add(name, value);
    }
}
