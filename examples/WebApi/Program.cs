using WebApi;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddProblemDetails();
builder.Services.AddSingleton<TodoStore>();

var app = builder.Build();
app.UseExceptionHandler();

app.MapGet("/", () => "Hello, World!");

app.MapPost("/todos", (NewTodo input, TodoStore store) =>
{
    if (string.IsNullOrWhiteSpace(input.Title))
        return Results.ValidationProblem(new Dictionary<string, string[]> { ["title"] = ["A todo needs a title."] });
    var todo = store.Add(input.Title);
    return Results.Created($"/todos/{todo.Id}", todo);
});

app.MapGet("/todos", (TodoStore store) => store.All());

app.MapGet("/todos/{id:int}", (int id, TodoStore store) =>
    store.Find(id) is { } todo ? Results.Ok(todo) : Results.NotFound());

app.MapGet("/stream", async (HttpResponse response, CancellationToken aborted) =>
{
    response.ContentType = "text/plain; charset=utf-8";
    for (int line = 1; line <= 5; line++)
    {
        await response.WriteAsync($"line {line}\n", aborted);
        await response.Body.FlushAsync(aborted);
    }
});

app.MapGet("/boom", string () => throw new InvalidOperationException("boom: this endpoint always fails"));

app.Run();
