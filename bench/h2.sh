#!/usr/bin/env bash
# HTTP/2 throughput side by side with Kestrel (h2load, nghttp2-client): cleartext h2 by prior knowledge (h2c) and h2
# over TLS chosen by ALPN, each with 16 connections of 10 concurrent streams. Server on CPU 0, h2load on CPU 1, rounds
# interleaved, medians and ratios printed. Options: --rounds N (3) --seconds S (8). Needs h2load, openssl, curl, taskset.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$root/../shared/bench" && pwd)
ROUNDS=3 DUR=8
while [[ $# -gt 0 ]]; do
  case $1 in --rounds) ROUNDS=$2; shift 2 ;; --seconds) DUR=$2; shift 2 ;; *) echo "bench/h2.sh: unknown option $1" >&2; exit 2 ;; esac
done
dotnet build -c Release "$root/AkkaGunicorn.sln" >/dev/null || exit 1
cache=${AG_BENCH_CACHE:-/tmp/ag-bench-cache}
build_reference() {
  local name=$1 from=$2
  if [[ ! -f $cache/$name/out/$name.dll ]]; then
    rm -rf "${cache:?}/$name"; mkdir -p "$cache"; cp -r "$from" "$cache/$name"
    (cd "$cache/$name" && dotnet build -c Release -o out >/dev/null 2>&1) || { echo "the $name reference failed to build" >&2; exit 2; }
  fi
  echo "$cache/$name/out/$name.dll"
}
kestrel=$(build_reference kestrel-hello "$shared/reference/kestrel-hello")
kestrel_tls=$(build_reference kestrel-tls-hello "$root/bench/reference/kestrel-tls-hello")
dir=$(mktemp -d)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" -days 2 \
  -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
command_for() {
  local name=$1 mode=$2 port=$3
  local ours="dotnet $root/src/Arbiter/bin/Release/net10.0/AkkaGunicorn.dll --bind 127.0.0.1:$port --workers 1 --log-level warning --control-socket-disable --http-protocols h2,h1"
  case $name-$mode in
    candidate-h2c) echo "$ours $root/examples/Hello/bin/Release/net10.0/Hello.dll" ;;
    candidate-tls) echo "$ours --certfile $dir/cert.pem --keyfile $dir/key.pem $root/examples/Hello/bin/Release/net10.0/Hello.dll" ;;
    # Kestrel speaks h2c only on an endpoint limited to HTTP/2.
    kestrel-h2c) echo "env ASPNETCORE_Kestrel__EndpointDefaults__Protocols=Http2 dotnet $kestrel --urls http://127.0.0.1:$port" ;;
    kestrel-tls) echo "env ASPNETCORE_Kestrel__Certificates__Default__Path=$dir/cert.pem ASPNETCORE_Kestrel__Certificates__Default__KeyPath=$dir/key.pem dotnet $kestrel_tls --urls https://127.0.0.1:$port" ;;
  esac
}
out=$dir/runs.tsv
for mode in h2c tls; do
  scheme=http; [[ $mode == tls ]] && scheme=https
  for r in $(seq "$ROUNDS"); do
    for name in candidate kestrel; do
      port=$(free_port)
      setsid taskset -c 0 bash -c "exec $(command_for $name $mode "$port")" >"$dir/$name.log" 2>&1 & pid=$!
      for _ in $(seq 300); do curl -skf --http2-prior-knowledge -o /dev/null "$scheme://127.0.0.1:$port/" 2>/dev/null && break
        curl -skf --http2 -o /dev/null "$scheme://127.0.0.1:$port/" 2>/dev/null && break; sleep 0.1; done
      taskset -c 1 h2load -c 16 -m 10 -D 3 "$scheme://127.0.0.1:$port/" >/dev/null 2>&1
      res=$(taskset -c 1 h2load -c 16 -m 10 -D "$DUR" "$scheme://127.0.0.1:$port/" 2>&1)
      printf "%s\t%s\t%s\t%s\t%s\n" "$mode" "$name" "$(awk '/^finished in/{print $4}' <<<"$res")" \
        "$(awk '/^time for request:/{print $6}' <<<"$res")" "$(grep -E "^requests:" <<<"$res" | tr -s ' ')" | tee -a "$out"
      kill -TERM -- -"$pid" 2>/dev/null; sleep 1; kill -KILL -- -"$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    done
  done
done
median() { awk -F'\t' -v m="$1" -v n="$2" '$1==m && $2==n {print $3}' "$out" | sort -n | awk '{a[NR]=$1} END{if(NR) print a[int((NR+1)/2)]; else print 0}'; }
for mode in h2c tls; do
  c=$(median $mode candidate) k=$(median $mode kestrel)
  echo "HTTP/2 $mode (h2load -c16 -m10): AkkaGunicorn $c req/s, Kestrel $k req/s, ratio $(echo "scale=2; $c / $k" | bc)"
done
rm -rf "$dir"
