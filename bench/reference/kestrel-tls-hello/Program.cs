// The shared Kestrel reference (../shared/bench/reference/kestrel-hello) with HTTPS enabled: the slim builder leaves it out.
var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseKestrelHttpsConfiguration();
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapGet("/", () => Results.Text("Hello, World!", "text/plain"));
app.Run();
