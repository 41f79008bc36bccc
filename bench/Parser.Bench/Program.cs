using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Parser.Bench [-- --filter '*']
BenchmarkSwitcher.FromAssembly(typeof(Parser.Bench.ParserBenchmarks).Assembly).Run(args);
