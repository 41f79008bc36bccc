#!/usr/bin/env bash
# Every workload of ../shared/bench/README.md in one run, side by side with Kestrel and Gunicorn, then one table:
#   keep-alive (wrk -c64), a new connection per request (--close), 1,000 connections, behind a real nginx with its
#   defaults and with upstream keep-alive, two workers against Kestrel on the same two CPUs, back-to-back new
#   connections from one client (1 and 2 workers), idle CPU and memory per process after a minute's warm-up, and
#   memory per idle keep-alive connection.
# Options: --rounds N (3) --seconds S (8) --idle-connections N (8000). Takes about 20 minutes with the defaults.
# Needs wrk, curl, gunicorn, nginx, taskset, python3 (Debian packages).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${AG_SHARED:-$root/../shared/bench}
ROUNDS=3 SECONDS_=8 IDLE_CONNS=8000
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;; --seconds) SECONDS_=$2; shift 2 ;; --idle-connections) IDLE_CONNS=$2; shift 2 ;;
    *) echo "bench/all.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
for tool in wrk curl gunicorn nginx taskset python3; do
  command -v "$tool" >/dev/null || { echo "bench/all.sh: $tool is missing (apt-get install wrk curl gunicorn nginx-light util-linux python3)" >&2; exit 2; }
done
dotnet build -c Release "$root/AkkaGunicorn.sln" >/dev/null || exit 1
server=$root/src/Arbiter/bin/Release/net10.0/AkkaGunicorn.dll
hello=$root/examples/Hello/bin/Release/net10.0/Hello.dll
candidate="dotnet $server --bind 127.0.0.1:{PORT} --workers 1 --log-level warning $hello"
out=$(mktemp -d)
kestrel=${AG_BENCH_CACHE:-/tmp/ag-bench-cache}/kestrel-hello/out/kestrel-hello.dll
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; return 1; }

run() { # name, script, args...
  local name=$1; shift
  echo "== $name" >&2
  "$@" > "$out/$name.txt" 2>&1
  tail -6 "$out/$name.txt" >&2
}
run keepalive "$shared/compare.sh" --rounds "$ROUNDS" --seconds "$SECONDS_" -- $candidate
run close "$shared/compare.sh" --close --rounds "$ROUNDS" --seconds "$SECONDS_" -- $candidate
run c1000 "$shared/compare.sh" --conns 1000 --rounds "$ROUNDS" --seconds "$SECONDS_" --only "candidate kestrel" -- $candidate
run nginx "$shared/behind-nginx.sh" --rounds "$ROUNDS" --seconds "$SECONDS_" -- $candidate
run nginx-keepalive "$shared/behind-nginx.sh" --upstream-keepalive --rounds "$ROUNDS" --seconds "$SECONDS_" -- $candidate
run two-workers "$root/bench/two-workers.sh" --rounds "$ROUNDS" --seconds "$SECONDS_"

# Back-to-back new connections from one client: each opened, asked, answered, closed before the next. The first
# 6,000 warm the server up (as wrk's warm-up run does for the other workloads; workers recompile a method once it has
# been called 1,000 times, so code run once per connection is at speed after a thousand or so); the next 400 are measured.
backtoback() {
  local port=$1
  python3 - "$port" <<'PY'
import socket, statistics, sys, time
port = int(sys.argv[1]); times = []
for i in range(6400):
    t = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    while s.recv(4096): pass
    s.close()
    times.append((time.perf_counter() - t) * 1000)
times = sorted(times[6000:])
print(f"{statistics.median(times):.3f} {times[int(len(times) * 0.9)]:.3f}")
PY
}
for workers in 1 2; do
  port=$(free_port)
  dotnet "$server" --bind "127.0.0.1:$port" --workers "$workers" --log-level warning "$hello" >/dev/null 2>&1 & pid=$!
  wait_up "$port" && sleep 3 && echo "$(backtoback "$port")" > "$out/b2b-$workers.txt"
  kill "$pid"; wait "$pid" 2>/dev/null
done
port=$(free_port)
dotnet "$kestrel" --urls "http://127.0.0.1:$port" >/dev/null 2>&1 & pid=$!
if wait_up "$port"; then sleep 2; backtoback "$port" > "$out/b2b-kestrel.txt"; fi
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null

# Idle: every process's CPU over 30 s after a minute's warm-up, and its resident memory.
idle() { # name, command with {PORT}
  local port; port=$(free_port)
  local cmd=${2//\{PORT\}/$port}
  setsid bash -c "exec $cmd" >/dev/null 2>&1 & local pid=$!
  wait_up "$port"; sleep 60
  local pids="$pid $(pgrep -P "$pid" | tr '\n' ' ')"
  declare -A t1; for p in $pids; do t1[$p]=$(awk '{print $14+$15}' "/proc/$p/stat"); done
  sleep 30
  for p in $pids; do
    echo "$1 $(cat "/proc/$p/comm") $(echo "scale=2; ($(awk '{print $14+$15}' "/proc/$p/stat") - ${t1[$p]}) / 30" | bc) $(awk '/VmRSS/{printf "%d", $2/1024}' "/proc/$p/status")"
  done
  kill -- -"$pid" 2>/dev/null; wait "$pid" 2>/dev/null
}
idle akkagunicorn "dotnet $server --bind 127.0.0.1:{PORT} --workers 2 --log-level warning $hello" > "$out/idle.txt"
idle kestrel "dotnet $kestrel --urls http://127.0.0.1:{PORT}" >> "$out/idle.txt"
idle gunicorn "gunicorn -w 2 -k gthread --threads 4 -b 127.0.0.1:{PORT} --chdir $shared/reference/gunicorn-hello app:app" >> "$out/idle.txt"

# Memory per idle keep-alive connection: one worker, N connections that each made one request and stay open.
port=$(free_port)
dotnet "$server" --bind "127.0.0.1:$port" --workers 1 --worker-connections $((IDLE_CONNS + 1000)) --keep-alive 300 --log-level warning "$hello" >/dev/null 2>&1 & pid=$!
wait_up "$port"; sleep 2
worker=$(pgrep -P "$pid" | head -1); before=$(awk '/VmRSS/{print $2}' "/proc/$worker/status")
python3 - "$port" "$IDLE_CONNS" <<'PY' &
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2]); socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port)); s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"); socks.append(s)
for s in socks: s.recv(4096)
time.sleep(40)
PY
client=$!; sleep 30
after=$(awk '/VmRSS/{print $2}' "/proc/$worker/status")
health=$(curl -s -o /dev/null -w "%{time_total}" "http://127.0.0.1:$port/")
echo "$before $after $health" > "$out/idleconns.txt"
kill "$client" "$pid" 2>/dev/null; wait 2>/dev/null

# The table.
median() { awk -v n="$2" '$0 ~ "^"n" " {print $2}' "$out/$1.txt" | tail -1; }
ratio() { awk -v n="$2" '$0 ~ "^ratio candidate/"n" " {print $3}' "$out/$1.txt" | tail -1; }
p99() { awk -F'\t' -v n="$2" '$2==n {print $4}' "$out/$1.txt" | sort -n | awk '{a[NR]=$1} END{if(NR) print a[int((NR+1)/2)]}'; }
echo
echo "| workload | AkkaGunicorn | Kestrel | Gunicorn | vs Kestrel | vs Gunicorn |"
echo "|---|---|---|---|---|---|"
for w in keepalive close c1000 nginx nginx-keepalive; do
  printf "| %s | %s req/s, p99 %s | %s, p99 %s | %s | %s× | %s× |\n" "$w" "$(median $w candidate)" "$(p99 $w candidate)" \
    "$(median $w kestrel)" "$(p99 $w kestrel)" "$(median $w gunicorn)" "$(ratio $w kestrel)" "$(ratio $w gunicorn)"
done
while read -r _ _ mode rest; do printf "| two workers and Kestrel on the same two CPUs (with wrk), %s | %s |\n" "${mode%:}" "$rest"; done < <(grep "^two workers" "$out/two-workers.txt")
printf "| back-to-back new connections, median (p90) | 1 worker %s ms (%s), 2 workers %s ms (%s) | %s ms (%s) | | | |\n" \
  $(cat "$out/b2b-1.txt") $(cat "$out/b2b-2.txt") $(cat "$out/b2b-kestrel.txt" 2>/dev/null || echo "? ?")
while read -r name comm cpu rss; do printf "| idle: %s %s | %s%% of a core, %s MB | | | | |\n" "$name" "$comm" "$cpu" "$rss"; done < "$out/idle.txt"
read -r before after health < "$out/idleconns.txt"
printf "| %s idle keep-alive connections (1 worker) | %s KB per connection (RSS %d → %d MB); a request meanwhile took %s s | | | | |\n" \
  "$IDLE_CONNS" "$(( (after - before) / IDLE_CONNS ))" $((before / 1024)) $((after / 1024)) "$health"
echo "(raw results in $out)"
