namespace AkkaGunicorn.Arbiter.Settings;

/// <summary>The type of a setting's value.</summary>
public enum SettingKind
{
    /// <summary>A whole number within a range.</summary>
    Integer,
    /// <summary>true or false; a command-line flag without a value sets true.</summary>
    Boolean,
    /// <summary>Free text.</summary>
    Text,
    /// <summary>One of a fixed set of words.</summary>
    Choice,
    /// <summary>A list of text values; a repeated command-line flag appends.</summary>
    List,
    /// <summary>
    /// Names mapped to text: a HOCON object (<c>{ "X-Forwarded-Proto" = "https" }</c>), or NAME=VALUE pairs separated
    /// by commas on the command line; <c>{}</c> or "" for none.
    /// </summary>
    Map,
    /// <summary>
    /// A nested HOCON object (objects and lists inside), or a JSON object on the command line, kept flattened as
    /// Microsoft.Extensions.Configuration keeps it (<c>WriteTo:0:Name</c> = <c>File</c>); <c>{}</c> for none.
    /// </summary>
    Tree,
}
