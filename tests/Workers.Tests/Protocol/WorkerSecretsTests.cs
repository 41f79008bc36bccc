using System.IO.Pipes;
using System.Runtime.Serialization;
using AkkaGunicorn.Workers.Protocol;
using Xunit;

namespace AkkaGunicorn.Workers.Tests.Protocol;

/// <summary>The boot channel's contents, read from a real pipe as a worker reads them.</summary>
public sealed class WorkerSecretsTests
{
    private static int PipeHolding(byte[] bytes)
    {
        var server = new AnonymousPipeServerStream(PipeDirection.Out, System.IO.HandleInheritability.None);
        var reader = server.ClientSafePipeHandle;
        // More than a pipe holds waits for its reader: write on the side.
        _ = Task.Run(() =>
        {
            try
            {
                server.Write(bytes);
            }
            catch (IOException)
            {
                // The reader gave up first.
            }
            server.Dispose();
        });
        var fd = (int)reader.DangerousGetHandle();
        reader.SetHandleAsInvalid();
        return fd;
    }

    [Fact]
    public void A_worker_reads_its_token_and_the_run_credentials_and_can_use_them()
    {
        using var run = RunCredentials.Create();
        var secrets = new WorkerSecrets(WorkerSecrets.NewToken(), run.Export());
        var read = WorkerSecrets.Read(PipeHolding(secrets.ToBytes()));
        Assert.Equal(secrets.Token, read.Token);
        using var imported = RunCredentials.Import(read.Credentials);
        Assert.True(imported.Certificate.HasPrivateKey);
        Assert.True(run.Admits(imported.Certificate));
        using var other = RunCredentials.Create();
        Assert.False(run.Admits(other.Certificate));
        Assert.False(run.Admits(null));
    }

    [Fact]
    public void Anything_else_in_the_channel_is_refused()
    {
        Assert.Throws<SerializationException>(() => WorkerSecrets.Read(PipeHolding("not a worker's secrets"u8.ToArray())));
        Assert.Throws<SerializationException>(() => WorkerSecrets.Read(PipeHolding(new byte[70_000])));
        var truncated = new WorkerSecrets("abc", new byte[100]).ToBytes()[..50];
        Assert.Throws<SerializationException>(() => WorkerSecrets.Read(PipeHolding(truncated)));
    }

    [Fact]
    public void Tokens_are_compared_whole()
    {
        var token = WorkerSecrets.NewToken();
        Assert.Equal(32, token.Length);
        Assert.True(WorkerSecrets.SameToken(token, token));
        Assert.False(WorkerSecrets.SameToken(token[..^1], token));
        Assert.False(WorkerSecrets.SameToken(WorkerSecrets.NewToken(), token));
    }
}
