#!/usr/bin/env bash
# HTTPS throughput side by side with Kestrel, the same certificate for both: keep-alive (wrk -c64) and a new TLS
# connection per request (Connection: close: a full handshake each time). Server on CPU 0, wrk on CPU 1, rounds
# interleaved, medians and ratios printed. Options: --rounds N (3) --seconds S (8). Needs wrk, openssl, curl, taskset.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=3 DUR=8
while [[ $# -gt 0 ]]; do
  case $1 in --rounds) ROUNDS=$2; shift 2 ;; --seconds) DUR=$2; shift 2 ;; *) echo "bench/tls.sh: unknown option $1" >&2; exit 2 ;; esac
done
dotnet build -c Release "$root/AkkaGunicorn.sln" >/dev/null || exit 1
cache=${AG_BENCH_CACHE:-/tmp/ag-bench-cache}
# The shared Kestrel reference with HTTPS enabled (bench/reference/kestrel-tls-hello), built outside the solution.
kestrel=$cache/kestrel-tls-hello/out/kestrel-tls-hello.dll
if [[ ! -f $kestrel ]]; then
  rm -rf "$cache/kestrel-tls-hello"; mkdir -p "$cache"; cp -r "$root/bench/reference/kestrel-tls-hello" "$cache/kestrel-tls-hello"
  (cd "$cache/kestrel-tls-hello" && dotnet build -c Release -o out >/dev/null 2>&1) || { echo "Kestrel reference failed to build" >&2; exit 2; }
fi
dir=$(mktemp -d)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" -days 2 \
  -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
command_for() {
  case $1 in
    candidate) echo "dotnet $root/src/Arbiter/bin/Release/net10.0/AkkaGunicorn.dll --bind 127.0.0.1:$2 --workers 1 --log-level warning --control-socket-disable --certfile $dir/cert.pem --keyfile $dir/key.pem $root/examples/Hello/bin/Release/net10.0/Hello.dll" ;;
    kestrel) echo "env ASPNETCORE_Kestrel__Certificates__Default__Path=$dir/cert.pem ASPNETCORE_Kestrel__Certificates__Default__KeyPath=$dir/key.pem dotnet $kestrel --urls https://127.0.0.1:$2" ;;
  esac
}
out=$dir/runs.tsv
for mode in keepalive close; do
  hdr=(); [[ $mode == close ]] && hdr=(-H "Connection: close")
  for r in $(seq "$ROUNDS"); do
    for name in candidate kestrel; do
      port=$(free_port)
      setsid taskset -c 0 bash -c "exec $(command_for $name "$port")" >"$dir/$name.log" 2>&1 & pid=$!
      for _ in $(seq 300); do curl -skf -o /dev/null "https://127.0.0.1:$port/" && break; sleep 0.1; done
      taskset -c 1 wrk -t1 -c64 -d3s "${hdr[@]}" "https://127.0.0.1:$port/" >/dev/null 2>&1
      res=$(taskset -c 1 wrk -t1 -c64 -d"${DUR}s" --latency "${hdr[@]}" "https://127.0.0.1:$port/" 2>&1)
      printf "%s\t%s\t%s\t%s\t%s\n" "$mode" "$name" "$(awk '/Requests\/sec/{print $2}' <<<"$res")" "$(awk '$1=="99%"{print $2}' <<<"$res")" \
        "$(grep -E "Socket errors|Non-2xx" <<<"$res" | tr -s ' ' | tr '\n' ' ')" | tee -a "$out"
      kill -TERM -- -"$pid" 2>/dev/null; sleep 1; kill -KILL -- -"$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    done
  done
done
median() { awk -F'\t' -v m="$1" -v n="$2" '$1==m && $2==n {print $3}' "$out" | sort -n | awk '{a[NR]=$1} END{if(NR) print a[int((NR+1)/2)]; else print 0}'; }
for mode in keepalive close; do
  c=$(median $mode candidate) k=$(median $mode kestrel)
  echo "TLS $mode: AkkaGunicorn $c req/s, Kestrel $k req/s, ratio $(echo "scale=2; $c / $k" | bc)"
done
rm -rf "$dir"
