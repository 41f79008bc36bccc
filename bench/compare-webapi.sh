#!/usr/bin/env bash
# The ASP.NET Core example (examples/WebApi, GET /) on one AkkaGunicorn worker against the same app alone on
# Kestrel, measured in the same run by ../shared/bench/compare.sh (server on one CPU). Extra options pass through
# (e.g. --rounds 5). Needs wrk, curl and taskset.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
compare=${AG_COMPARE:-$root/../shared/bench/compare.sh}
for tool in wrk curl taskset; do
  command -v "$tool" >/dev/null || { echo "bench/compare-webapi.sh: $tool is missing (apt-get install wrk curl util-linux)" >&2; exit 2; }
done
dotnet build -c Release "$root/AkkaGunicorn.sln" >/dev/null
app="$root/examples/WebApi/bin/Release/net10.0/WebApi.dll"
exec "$compare" --only candidate --also "webapi-on-kestrel=dotnet $app --urls http://127.0.0.1:{PORT}" "$@" -- \
  dotnet "$root/src/Arbiter/bin/Release/net10.0/AkkaGunicorn.dll" --bind 127.0.0.1:{PORT} --workers 1 --log-level warning "$app"
