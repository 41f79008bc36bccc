#!/usr/bin/env bash
# Start-up and memory of real apps, side by side with Kestrel: the SDK's templates (dotnet new web, webapp, grpc;
# published once into a cache), each started cold on Kestrel (dotnet app.dll) and on AkkaGunicorn with one worker,
# timed from launch to the first 200 (polled every 20 ms with curl), with the CPU time the server's processes had used
# by then (Kestrel's; our Arbiter's and worker's together: steadier than wall time on a machine whose speed drifts),
# then the resident memory of the process that serves (Kestrel's, our worker's) and of our Arbiter a second after the
# first answer, and again once idle (--settle seconds after it, when a worker has given back what booting left).
# Medians of interleaved rounds and ratios printed.
# Options: --rounds N (5) --templates "web webapp grpc" --settle S (15; 0 skips the idle figures). Needs curl.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=5 TEMPLATES="web webapp grpc" SETTLE=15
while [[ $# -gt 0 ]]; do
  case $1 in --rounds) ROUNDS=$2; shift 2 ;; --templates) TEMPLATES=$2; shift 2 ;; --settle) SETTLE=$2; shift 2 ;; *) echo "bench/startup.sh: unknown option $1" >&2; exit 2 ;; esac
done
dotnet build -c Release "$root/AkkaGunicorn.sln" >/dev/null || exit 1
cache=${AG_BENCH_CACHE:-/tmp/ag-bench-cache}/templates
mkdir -p "$cache"
# The apps build as their templates make them, not with this repository's settings.
for f in Directory.Build.props Directory.Build.targets Directory.Packages.props; do echo "<Project />" > "$cache/$f"; done
for t in $TEMPLATES; do
  if [[ ! -f $cache/$t/pub/$t.dll ]]; then
    rm -rf "${cache:?}/$t"
    (cd "$cache" && dotnet new "$t" --output "$t" --name "$t" >/dev/null && cd "$t" && dotnet publish -c Release -o pub >/dev/null 2>&1) \
      || { echo "could not publish the $t template" >&2; exit 2; }
  fi
done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_mb() { awk '/VmRSS/{printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null; }
now_ms() { date +%s%3N; }
# CPU time (user and system) used so far by the given processes, in ms.
cpu_ms() { local ticks=0; for p in "$@"; do [[ -r /proc/$p/stat ]] && ticks=$(( ticks + $(awk '{print $14 + $15}' "/proc/$p/stat") )); done; echo $(( ticks * 1000 / $(getconf CLK_TCK) )); }
out=$(mktemp)
for t in $TEMPLATES; do
  app=$cache/$t/pub/$t.dll
  curl_args=(-s -o /dev/null -w "%{http_code}"); [[ $t == grpc ]] && curl_args+=(--http2-prior-knowledge)
  for r in $(seq "$ROUNDS"); do
    for name in kestrel candidate; do
      port=$(free_port)
      start=$(now_ms)
      if [[ $name == kestrel ]]; then
        (cd "$(dirname "$app")" && exec setsid dotnet "$app" --urls "http://127.0.0.1:$port" >/dev/null 2>&1) & pid=$!
      else
        extra=(); [[ $t == grpc ]] && extra=(--http-protocols h2,h1)
        setsid dotnet "$root/src/Arbiter/bin/Release/net10.0/AkkaGunicorn.dll" --bind "127.0.0.1:$port" --workers 1 --log-level warning \
          --control-socket-disable "${extra[@]}" "$app" >/dev/null 2>&1 & pid=$!
      fi
      took=timeout cpu=0
      for _ in $(seq 1500); do
        [[ $(curl "${curl_args[@]}" "http://127.0.0.1:$port/" 2>/dev/null) == 200 ]] && { took=$(( $(now_ms) - start )); cpu=$(cpu_ms "$pid" $(pgrep -P "$pid")); break; }
        sleep 0.02
      done
      sleep 1
      if [[ $name == kestrel ]]; then serving=$pid arbiter_rss=0
      else serving=$(pgrep -P "$pid" | head -1) arbiter_rss=$(rss_mb "$pid"); fi
      serving_rss=$(rss_mb "$serving") idle_rss=0 idle_arbiter=0
      if (( SETTLE > 0 )); then
        sleep "$SETTLE"; idle_rss=$(rss_mb "$serving"); [[ $name == candidate ]] && idle_arbiter=$(rss_mb "$pid")
      fi
      printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$t" "$name" "$took" "$serving_rss" "$arbiter_rss" "$cpu" "$idle_rss" "$idle_arbiter" | tee -a "$out"
      kill -TERM -- -"$pid" 2>/dev/null; sleep 0.5; kill -KILL -- -"$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    done
  done
done
median() { awk -F'\t' -v t="$1" -v n="$2" -v c="$3" '$1==t && $2==n {print $c}' "$out" | sort -n | awk '{a[NR]=$1} END{if(NR) print a[int((NR+1)/2)]; else print 0}'; }
echo
for t in $TEMPLATES; do
  ks=$(median "$t" kestrel 3) cs=$(median "$t" candidate 3) km=$(median "$t" kestrel 4) cm=$(median "$t" candidate 4) am=$(median "$t" candidate 5)
  kc=$(median "$t" kestrel 6) cc=$(median "$t" candidate 6)
  echo -n "$t: first answer ${cs} ms (Kestrel ${ks} ms, ratio $(echo "scale=2; $cs / $ks" | bc)); CPU until then ${cc} ms (Kestrel ${kc} ms, ratio $(echo "scale=2; $cc / $kc" | bc)); serving process ${cm} MB (Kestrel ${km} MB, ratio $(echo "scale=2; $cm / $km" | bc)); Arbiter ${am} MB"
  if (( SETTLE > 0 )); then
    ki=$(median "$t" kestrel 7) ci=$(median "$t" candidate 7) ai=$(median "$t" candidate 8)
    echo -n "; idle ${SETTLE} s later: ${ci} MB (Kestrel ${ki} MB, ratio $(echo "scale=2; $ci / $ki" | bc)), Arbiter ${ai} MB"
  fi
  echo
done
rm -f "$out"
