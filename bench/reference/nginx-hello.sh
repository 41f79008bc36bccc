#!/usr/bin/env bash
# The cheapest HTTP backend there is, for measuring what a harness can carry rather than what a server costs:
# nginx (one worker) answering "Hello, World!" itself, in the foreground, on 127.0.0.1:PORT.
#   nginx-hello.sh PORT
set -eu
port=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/nginx.conf" <<NG
worker_processes 1; daemon off; pid $dir/nginx.pid; error_log $dir/error.log warn;
events { worker_connections 4096; }
http { access_log off;
  server { listen 127.0.0.1:$port backlog=1024; location / { default_type text/plain; return 200 "Hello, World!"; } } }
NG
nginx -c "$dir/nginx.conf" -p "$dir" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; rm -rf "$dir"' EXIT TERM INT
wait $pid
