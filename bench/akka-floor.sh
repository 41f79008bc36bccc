#!/usr/bin/env bash
# What Akka costs a process before it does anything: the web template's app on Kestrel (bench/reference/kestrel-akka),
# alone and with an actor system of a worker's configuration started in the same process and left idle, with
# remoting (as every worker runs it) and without. Each variant started cold, timed from launch to the first 200
# (curl every 20 ms), its resident memory read a second after that and again once idle (--settle seconds).
# Medians of interleaved rounds; ratios against the app alone. The memory figures are floors for bench/startup.sh's:
# a worker serving the same app holds at least what "remote" adds, whatever the server around it does. The first
# answer is not: here the actor system starts before the app, one after the other, where a worker starts the two
# side by side.
# Options: --rounds N (5) --settle S (15). Needs curl.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=5 SETTLE=15
while [[ $# -gt 0 ]]; do
  case $1 in --rounds) ROUNDS=$2; shift 2 ;; --settle) SETTLE=$2; shift 2 ;; *) echo "bench/akka-floor.sh: unknown option $1" >&2; exit 2 ;; esac
done
out_dir=${AG_BENCH_CACHE:-/tmp/ag-bench-cache}/kestrel-akka
dotnet publish -c Release "$root/bench/reference/kestrel-akka/kestrel-akka.csproj" -o "$out_dir" >/dev/null || { echo "could not publish bench/reference/kestrel-akka" >&2; exit 2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_mb() { awk '/VmRSS/{printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null; }
results=$(mktemp)
for r in $(seq "$ROUNDS"); do
  for variant in alone local remote; do
    port=$(free_port)
    start=$(date +%s%3N)
    if [[ $variant == alone ]]; then env -u AG_FLOOR_AKKA dotnet "$out_dir/kestrel-akka.dll" --urls "http://127.0.0.1:$port" >/dev/null 2>&1 &
    else AG_FLOOR_AKKA=$variant dotnet "$out_dir/kestrel-akka.dll" --urls "http://127.0.0.1:$port" >/dev/null 2>&1 & fi
    pid=$!
    first=""
    for _ in $(seq 1500); do
      [[ $(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$port/") == 200 ]] && { first=$(( $(date +%s%3N) - start )); break; }
      sleep 0.02
    done
    sleep 1; busy=$(rss_mb "$pid")
    idle=$busy; [[ $SETTLE -gt 0 ]] && { sleep "$SETTLE"; idle=$(rss_mb "$pid"); }
    printf "%s\t%s\t%s\t%s\t%s\n" "$r" "$variant" "${first:-0}" "$busy" "$idle" | tee -a "$results"
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  done
done
med() { awk -F'\t' -v v="$1" -v c="$2" '$2==v{print $c}' "$results" | sort -g | awk '{a[NR]=$1} END{if(NR) print a[int((NR+1)/2)]; else print 0}'; }
echo "--- the web template's app on Kestrel, medians of $ROUNDS"
printf "%-8s %16s %16s %22s\n" variant "first answer ms" "RSS at +1 s MB" "RSS idle at +${SETTLE} s MB"
for v in alone local remote; do printf "%-8s %16s %16s %22s\n" "$v" "$(med $v 3)" "$(med $v 4)" "$(med $v 5)"; done
for v in local remote; do
  awk -v v="$v" -v f="$(med $v 3)" -v b="$(med $v 4)" -v i="$(med $v 5)" -v f0="$(med alone 3)" -v b0="$(med alone 4)" -v i0="$(med alone 5)" \
    'BEGIN{ if (f0 > 0 && b0 > 0 && i0 > 0) printf "ratio %s/alone: first answer %.2f, RSS at +1 s %.2f, idle RSS %.2f\n", v, f/f0, b/b0, i/i0 }'
done
rm -f "$results"
