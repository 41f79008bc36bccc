using System.Diagnostics;

namespace AkkaGunicorn.Integration.Tests.Templates;

/// <summary>
/// Apps that nobody on the project wrote: generated from the .NET SDK's own templates (<c>dotnet new</c>, which works
/// offline) and published (<c>dotnet publish</c>, which restores from NuGet), once per SDK and kept in the test output
/// so that later runs reuse them. The Razor Pages app gets one page with a form, as real apps have.
/// </summary>
public sealed class GeneratedApps
{
    private readonly string _root = Path.Combine(AppContext.BaseDirectory, "generated-apps", Sdk.Version);
    private readonly Dictionary<string, Task<string>> _apps = new();
    private readonly object _gate = new();
    private static readonly SemaphoreSlim OneBuildAtATime = new(1);

    /// <summary>The published app's dll for <paramref name="template"/>, generating and publishing it the first time.</summary>
    public Task<string> PublishedAsync(string template)
    {
        lock (_gate)
        {
            if (!_apps.TryGetValue(template, out var app)) _apps[template] = app = PublishAsync(template);
            return app;
        }
    }

    private async Task<string> PublishAsync(string template)
    {
        var project = Path.Combine(_root, template);
        var published = Path.Combine(project, "pub");
        var dll = Path.Combine(published, $"{template}.dll");
        if (File.Exists(Path.Combine(published, ".complete"))) return dll;
        await OneBuildAtATime.WaitAsync();
        try
        {
            // Another test class's fixture may have published it while this one waited: never delete an app in use.
            if (File.Exists(Path.Combine(published, ".complete"))) return dll;
            if (Directory.Exists(project)) Directory.Delete(project, recursive: true);
            // The apps are built as their template makes them, not with this repository's build settings (central
            // package versions, warnings as errors, invariant globalization), which MSBuild would find up the tree.
            Directory.CreateDirectory(_root);
            File.WriteAllText(Path.Combine(_root, "Directory.Build.props"), "<Project />");
            File.WriteAllText(Path.Combine(_root, "Directory.Build.targets"), "<Project />");
            File.WriteAllText(Path.Combine(_root, "Directory.Packages.props"), "<Project />");
            await RunAsync(_root, "dotnet", "new", template, "--output", template, "--name", template);
            if (template == "webapp") AddContactPage(project);
            if (template == "grpc") AddStreamingService(project);
            await RunAsync(project, "dotnet", "publish", "--configuration", "Release", "--output", "pub");
            File.WriteAllText(Path.Combine(published, ".complete"), "");
            return dll;
        }
        finally
        {
            OneBuildAtATime.Release();
        }
    }

    /// <summary>A page with a form: antiforgery on a real POST.</summary>
    private static void AddContactPage(string project)
    {
        File.WriteAllText(Path.Combine(project, "Pages", "Contact.cshtml"), """
            @page
            @model ContactModel
            <form method="post"><input name="name" /><button type="submit">Send</button></form>
            @if (Model.Sent is not null)
            {
                <p id="sent">Thanks, @Model.Sent</p>
            }
            """);
        File.WriteAllText(Path.Combine(project, "Pages", "Contact.cshtml.cs"), """
            using Microsoft.AspNetCore.Mvc.RazorPages;

            namespace webapp.Pages;

            public class ContactModel : PageModel
            {
                public string? Sent { get; private set; }

                public void OnGet() { }

                public void OnPost(string name) => Sent = name;
            }
            """);
    }

    /// <summary>
    /// A second service beside the template's unary Greeter: server, client and bidirectional streaming, a call that
    /// waits for its deadline, and one that fails with a status, as real services have.
    /// </summary>
    private static void AddStreamingService(string project)
    {
        File.WriteAllText(Path.Combine(project, "Protos", "streamer.proto"), """
            syntax = "proto3";
            option csharp_namespace = "grpc";
            package probe;

            service Streamer {
              rpc Count (Note) returns (stream Note);
              rpc Join (stream Note) returns (Note);
              rpc Shout (stream Note) returns (stream Note);
              rpc Stall (Note) returns (Note);
              rpc Fail (Note) returns (Note);
            }

            message Note {
              string text = 1;
            }
            """);
        File.WriteAllText(Path.Combine(project, "Services", "StreamerService.cs"), """
            using Grpc.Core;

            namespace grpc.Services;

            public class StreamerService : Streamer.StreamerBase
            {
                public override async Task Count(Note request, IServerStreamWriter<Note> responseStream, ServerCallContext context)
                {
                    for (int i = 1; i <= int.Parse(request.Text); i++) await responseStream.WriteAsync(new Note { Text = i.ToString() });
                }

                public override async Task<Note> Join(IAsyncStreamReader<Note> requestStream, ServerCallContext context)
                {
                    var parts = new List<string>();
                    await foreach (var note in requestStream.ReadAllAsync()) parts.Add(note.Text);
                    return new Note { Text = string.Join(",", parts) };
                }

                public override async Task Shout(IAsyncStreamReader<Note> requestStream, IServerStreamWriter<Note> responseStream, ServerCallContext context)
                {
                    await foreach (var note in requestStream.ReadAllAsync()) await responseStream.WriteAsync(new Note { Text = note.Text.ToUpperInvariant() });
                }

                public override async Task<Note> Stall(Note request, ServerCallContext context)
                {
                    await Task.Delay(Timeout.Infinite, context.CancellationToken);
                    return request;
                }

                public override Task<Note> Fail(Note request, ServerCallContext context) =>
                    throw new RpcException(new Status(StatusCode.NotFound, "no " + request.Text));
            }
            """);
        var program = Path.Combine(project, "Program.cs");
        File.WriteAllText(program, File.ReadAllText(program).Replace(
            "app.MapGrpcService<GreeterService>();", "app.MapGrpcService<GreeterService>();\napp.MapGrpcService<StreamerService>();"));
        var csproj = Path.Combine(project, "grpc.csproj");
        File.WriteAllText(csproj, File.ReadAllText(csproj).Replace(
            "<Protobuf Include=\"Protos\\greet.proto\" GrpcServices=\"Server\" />",
            "<Protobuf Include=\"Protos\\greet.proto\" GrpcServices=\"Server\" />\n    <Protobuf Include=\"Protos\\streamer.proto\" GrpcServices=\"Server\" />"));
    }

    private static async Task RunAsync(string directory, string file, params string[] args)
    {
        Directory.CreateDirectory(directory);
        var info = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}):\n{await output}\n{await error}");
    }

    private static class Sdk
    {
        public static readonly string Version = Query();

        private static string Query()
        {
            var info = new ProcessStartInfo("dotnet", "--version") { RedirectStandardOutput = true };
            using var process = Process.Start(info)!;
            var version = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return version.Length > 0 ? version : "unknown";
        }
    }
}
