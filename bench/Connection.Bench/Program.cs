using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Connection.Bench.ConnectionBenchmarks).Assembly).Run(args);
