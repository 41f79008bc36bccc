using System.Collections.Concurrent;

namespace WebApi;

/// <summary>A todo item.</summary>
public sealed record Todo(int Id, string Title, bool Done);

/// <summary>What a client posts to create a todo.</summary>
public sealed record NewTodo(string? Title);

/// <summary>The todos, in memory: each process (each AkkaGunicorn worker) has its own.</summary>
public sealed class TodoStore
{
    private readonly ConcurrentDictionary<int, Todo> _todos = new();
    private int _lastId;

    /// <summary>Adds a todo with the next id, starting from 1.</summary>
    public Todo Add(string title)
    {
        var todo = new Todo(Interlocked.Increment(ref _lastId), title, Done: false);
        _todos[todo.Id] = todo;
        return todo;
    }

    /// <summary>The todo with <paramref name="id"/>, or null.</summary>
    public Todo? Find(int id) => _todos.GetValueOrDefault(id);

    /// <summary>Every todo, by id.</summary>
    public IEnumerable<Todo> All() => _todos.Values.OrderBy(t => t.Id);
}
