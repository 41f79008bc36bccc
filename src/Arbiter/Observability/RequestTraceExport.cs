using System.Runtime.CompilerServices;
using AkkaGunicorn.Http.Server;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AkkaGunicorn.Arbiter.Observability;

/// <summary>
/// A worker's request spans (the activities <see cref="RequestTracing"/> makes for native apps) sent to the collector
/// of <c>otlp_endpoint</c>, where the Arbiter sends its metrics, under the same service name. ASP.NET Core apps make
/// their own spans and export them with their own OpenTelemetry setup, as they would on Kestrel: exporting them here
/// as well would send each twice.
/// </summary>
public static class RequestTraceExport
{
    /// <summary>Starts exporting (batched; disposing sends what is left), or returns null without a collector.</summary>
    public static IDisposable? Start(Uri? otlp, string serviceName) => otlp is null ? null : Export(otlp, serviceName);

    // Apart, so that a worker without a collector never loads OpenTelemetry's assemblies (1 MB of a worker's memory).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TracerProvider Export(Uri otlp, string serviceName) =>
        Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceInstanceId: Environment.ProcessId.ToString()))
            .AddSource(RequestTracing.SourceName)
            // The traces signal's path under the collector's base address, as OTEL_EXPORTER_OTLP_ENDPOINT means it.
            .AddOtlpExporter(options =>
            {
                options.Protocol = OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf;
                options.Endpoint = new Uri(otlp, "v1/traces");
            })
            .Build();
}
