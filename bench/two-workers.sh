#!/usr/bin/env bash
# Two workers against Kestrel on the same two CPUs: neither server is pinned, and wrk shares the CPUs with them (unlike
# ../shared/bench/compare.sh, which gives the server one CPU and wrk the other). Keep-alive and a new connection per
# request, wrk -c64, rounds interleaved; prints medians, p99s and ratios.
# Options: --rounds N (3) --seconds S (8). Needs wrk, curl, python3.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=3 SECONDS_=8
while [[ $# -gt 0 ]]; do
  case $1 in --rounds) ROUNDS=$2; shift 2 ;; --seconds) SECONDS_=$2; shift 2 ;; *) echo "bench/two-workers.sh: unknown option $1" >&2; exit 2 ;; esac
done
server=$root/src/Arbiter/bin/Release/net10.0/AkkaGunicorn.dll
hello=$root/examples/Hello/bin/Release/net10.0/Hello.dll
kestrel=${AG_BENCH_CACHE:-/tmp/ag-bench-cache}/kestrel-hello/out/kestrel-hello.dll
[[ -f $kestrel ]] || { echo "bench/two-workers.sh: $kestrel is missing (../shared/bench/compare.sh builds it)" >&2; exit 2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
out=$(mktemp)
for mode in keepalive close; do
  hdr=(); [[ $mode == close ]] && hdr=(-H "Connection: close")
  for r in $(seq "$ROUNDS"); do
    for name in kestrel candidate; do
      port=$(free_port)
      if [[ $name == kestrel ]]; then cmd="dotnet $kestrel --urls http://127.0.0.1:$port"
      else cmd="dotnet $server --bind 127.0.0.1:$port --workers 2 --log-level warning --control-socket-disable $hello"; fi
      setsid bash -c "exec $cmd" >/dev/null 2>&1 & pid=$!
      for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
      wrk -t1 -c64 -d5s "${hdr[@]}" "http://127.0.0.1:$port/" >/dev/null 2>&1
      res=$(wrk -t1 -c64 -d"${SECONDS_}s" --latency "${hdr[@]}" "http://127.0.0.1:$port/" 2>&1)
      printf "%s\t%s\t%s\t%s\n" "$mode" "$name" "$(awk '/Requests\/sec/{print $2}' <<<"$res")" "$(awk '$1=="99%"{print $2}' <<<"$res")" | tee -a "$out"
      kill -TERM -- -"$pid" 2>/dev/null; for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL -- -"$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    done
  done
done
median() { awk -F'\t' -v m="$1" -v n="$2" -v c="$3" '$1==m && $2==n {print $c}' "$out" | sort -n | awk '{a[NR]=$1} END{if(NR) print a[int((NR+1)/2)]; else print 0}'; }
for mode in keepalive close; do
  c=$(median $mode candidate 3) k=$(median $mode kestrel 3)
  echo "two workers $mode: $c req/s, p99 $(median $mode candidate 4) | Kestrel $k, p99 $(median $mode kestrel 4) | ratio $(echo "scale=2; $c / $k" | bc)"
done
rm -f "$out"
