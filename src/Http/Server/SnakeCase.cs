namespace AkkaGunicorn.Http.Server;

/// <summary>Enum values as the snake-case names that stats and metrics use (InRequest: "in_request").</summary>
public static class SnakeCase
{
    /// <summary>The snake-case name of <paramref name="value"/>.</summary>
    public static string Of<TEnum>(TEnum value) where TEnum : struct, Enum =>
        string.Concat(value.ToString().Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
