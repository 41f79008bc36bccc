#!/usr/bin/env bash
# Whole-server throughput: AkkaGunicorn (one worker, the Hello app) against Kestrel and Gunicorn, measured in
# the same run by ../shared/bench/compare.sh, which prints the medians and our ratios. Extra options pass through
# (e.g. --rounds 5, --close, --only "candidate kestrel"). Needs wrk, curl, gunicorn and taskset (Debian packages).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
compare=${AG_COMPARE:-$root/../shared/bench/compare.sh}
for tool in wrk curl gunicorn taskset; do
  command -v "$tool" >/dev/null || { echo "bench/compare.sh: $tool is missing (apt-get install wrk curl gunicorn util-linux)" >&2; exit 2; }
done
dotnet build -c Release "$root/AkkaGunicorn.sln" >/dev/null
exec "$compare" "$@" -- dotnet "$root/src/Arbiter/bin/Release/net10.0/AkkaGunicorn.dll" \
  --bind 127.0.0.1:{PORT} --workers 1 --log-level warning "$root/examples/Hello/bin/Release/net10.0/Hello.dll"
