#!/usr/bin/env bash
# A longer run of the parser properties (tests/Http.Tests/Fuzzing): random splits and mutations of every Gunicorn
# corpus request through the HTTP stages, AG_FUZZ_RUNS cases per property (default here 100,000; the tests run 300).
# Usage: bash bench/fuzz.sh [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-100000}
dotnet build -c Release "$root/tests/Http.Tests" >/dev/null
start=$(date +%s)
AG_FUZZ_RUNS=$runs dotnet test -c Release --no-build "$root/tests/Http.Tests" --filter "FullyQualifiedName~Fuzzing" --logger "console;verbosity=normal"
echo "$runs cases per property in $(( $(date +%s) - start )) s"
