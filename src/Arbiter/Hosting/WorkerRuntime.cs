using System.Text.Json;
using AkkaGunicorn.Arbiter.Settings;
using AkkaGunicorn.Workers.Apps;

namespace AkkaGunicorn.Arbiter.Hosting;

/// <summary>
/// How the .NET runtime of a worker is set up, by the kind of app it runs.
/// <para>
/// An ASP.NET Core app's workers run under the app's own runtime settings, as <c>dotnet App.dll</c> would run it: the
/// worker starts as <c>dotnet exec --runtimeconfig App.runtimeconfig.json --depsfile AkkaGunicorn.deps.json
/// AkkaGunicorn.dll worker</c>, so the app's GC mode, globalization and every <c>configProperties</c> switch apply
/// (a web project asks for Server GC; ours asked for invariant globalization, which broke culture-aware apps). An app
/// built for an older .NET than the server's rolls forward to the server's.
/// </para>
/// <para>
/// Its JIT settings are the runtime's defaults, as under <c>dotnet App.dll</c>, but for the call-counting delay every
/// worker starts without (<see cref="Supervision.ProcessLauncher"/>). Workers of ASP.NET Core apps used to skip the quick
/// tier as well (<c>DOTNET_TC_QuickJit=0</c>), from before that delay was removed, when the pipeline otherwise never
/// left its first tier; measured since on the web template, skipping it cost 1.1 s of start-up (2.65 s against 1.56 s
/// to the first answer) and a quarter of the steady throughput (tier-1 code without the quick tier's profile: 31k
/// against 41k requests/s), to be at speed 2 s sooner after the first answer. Set it in the Arbiter's environment to
/// choose otherwise.
/// </para>
/// </summary>
/// <param name="RuntimeConfig">The app's runtimeconfig.json to start workers with, or null for the server's own.</param>
/// <param name="RollForward">Whether the app targets an older .NET than the server, whose runtime it must then use.</param>
/// <param name="AppKind">The app's kind as its metadata tells it, which its workers are told; null when unknown.</param>
public sealed record WorkerRuntime(string? RuntimeConfig, bool RollForward, AppKind? AppKind = null)
{
    /// <summary>The server's own runtime, unchanged.</summary>
    public static readonly WorkerRuntime Default = new(null, false);

    /// <summary>The runtime for workers running <paramref name="settings"/>'s app.</summary>
    public static WorkerRuntime For(ServerSettings settings)
    {
        AppSpec app;
        try
        {
            app = AppSpec.Parse(settings.App, System.Environment.CurrentDirectory);
        }
        catch (AppLoadException)
        {
            return Default;
        }
        var kind = AppProbe.Inspect(app.AssemblyPath);
        if (kind != Workers.Apps.AppKind.AspNetCore) return Default with { AppKind = kind };
        var runtimeConfig = Path.ChangeExtension(app.AssemblyPath, ".runtimeconfig.json");
        if (!File.Exists(runtimeConfig)) return Default with { AppKind = kind };
        return new WorkerRuntime(runtimeConfig, TargetsOlderRuntime(runtimeConfig), kind);
    }

    /// <summary>
    /// Whether a framework the runtimeconfig names (<c>runtimeOptions.framework</c> or <c>.frameworks[]</c>) is of an
    /// older major version. Read with the JSON reader, which is on the Arbiter's way to starting its first worker: through a
    /// document model it took 11 ms there, this way 8 ms.
    /// </summary>
    internal static bool TargetsOlderRuntime(string runtimeConfig)
    {
        try
        {
            var reader = new Utf8JsonReader(File.ReadAllBytes(runtimeConfig),
                new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            // The property each open object or array was found under (null for the root and for array items).
            var path = new List<string?>();
            string? property = null;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = reader.GetString();
                        continue;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        path.Add(property);
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        path.RemoveAt(path.Count - 1);
                        break;
                    case JsonTokenType.String when property == "version" && path is [null, "runtimeOptions", "framework"] or [null, "runtimeOptions", "frameworks", null]:
                        if (Version.TryParse(reader.GetString(), out var version) && version.Major < System.Environment.Version.Major) return true;
                        break;
                }
                property = null;
            }
            return false;
        }
        catch (Exception e) when (e is JsonException or IOException or InvalidOperationException)
        {
            return false;
        }
    }
}
