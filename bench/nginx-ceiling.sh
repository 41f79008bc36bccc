#!/usr/bin/env bash
# What ../shared/bench/behind-nginx.sh can show at most on this machine: the same harness (backend on CPU 0, the
# front nginx and wrk sharing CPU 1) with the cheapest backend there is, an nginx answering by itself
# (reference/nginx-hello.sh), then with AkkaGunicorn (one worker), each beside Kestrel and Gunicorn in its own run.
# When the front nginx and wrk fill CPU 1, a backend can hardly be faster than the first run's figure, and its ratio
# to Gunicorn is about the highest any backend can show in that run.
# Options: --rounds N (3) --seconds S (8) --upstream-keepalive. Needs what behind-nginx.sh needs.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${AG_SHARED:-$root/../shared/bench}
args=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds|--seconds) args+=("$1" "$2"); shift 2 ;; --upstream-keepalive) args+=("$1"); shift ;;
    *) echo "bench/nginx-ceiling.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
dotnet build -c Release "$root/AkkaGunicorn.sln" >/dev/null || exit 1
server=$root/src/Arbiter/bin/Release/net10.0/AkkaGunicorn.dll
hello=$root/examples/Hello/bin/Release/net10.0/Hello.dll
for backend in nginx akkagunicorn; do
  if [[ $backend == nginx ]]; then candidate="$root/bench/reference/nginx-hello.sh {PORT}"
  else candidate="dotnet $server --bind 127.0.0.1:{PORT} --workers 1 --log-level warning $hello"; fi
  echo "== backend: $backend"
  # The front nginx's CPU share, and CPU 1's, while the backend under test is measured (its run is the first: it
  # starts, nginx starts, wrk warms up for 2 s, then measures) tell whether CPU 1 is what limits.
  "$shared/behind-nginx.sh" "${args[@]}" -- $candidate &
  bench=$!
  sleep 5
  front=$(pgrep -f "nginx: worker process" | while read -r p; do
    grep -q "^1$" <(taskset -pc "$p" 2>/dev/null | awk '{print $NF}') && echo "$p"; done | head -1)
  if [[ -n $front ]]; then
    t1=$(awk '{print $14+$15}' "/proc/$front/stat"); c1=$(grep "^cpu1 " /proc/stat)
    sleep 4
    t2=$(awk '{print $14+$15}' "/proc/$front/stat"); c2=$(grep "^cpu1 " /proc/stat)
    hz=$(getconf CLK_TCK)
    busy=$(echo "$c1 $c2" | awk '{ for (i = 2; i <= 11; i++) a += $i; for (i = 13; i <= 22; i++) b += $i;
      idle = ($16 + $17) - ($5 + $6); printf "%.0f", 100 * ((b - a) - idle) / (b - a) }')
    echo "while $backend was measured: the front nginx used $(( (t2 - t1) * 100 / (4 * hz) ))% of CPU 1, which was $busy% busy"
  fi
  wait "$bench"
done
