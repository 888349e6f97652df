#!/usr/bin/env bash
# Load test: gunicorn with the production settings (geoapp serve: 2 preloaded workers x 4 threads)
# driven by wrk from a second process on loopback, 60 s of a mixed workload, then 60 s of route
# lookups alone. Rate limits are raised for the run (every request comes from one client).
# Usage: scripts/load.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
BIN=.venv/bin
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
INSTANCE=$(mktemp -d)
PORT=$($BIN/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export GEOAPP_INSTANCE_PATH=$INSTANCE GEOAPP_RATE_LIMIT_LOOKUPS="1000000/minute" \
  GEOAPP_RATE_LIMIT_DOWNLOADS="1000000/minute"
setsid $BIN/geoapp serve --port "$PORT" >"$INSTANCE/server.log" 2>&1 &
SERVER=$!
trap 'kill -TERM -- -$SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$INSTANCE"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.5; done
for page in / "/route?from=-72.2853,18.5125&to=-72.5369,18.2357" "/access?from=pt-jacmel-seaport"; do
  curl -sf "http://127.0.0.1:$PORT$page" >/dev/null  # warm the page caches and compiled code
done
echo "== mixed: routes 50%, point checks 20%, downloads 15%, pages 15% (${SECONDS_EACH} s, 16 connections)"
wrk -t2 -c16 -d"${SECONDS_EACH}s" --latency -s bench/load/mixed.lua "http://127.0.0.1:$PORT" | tail -1
echo "== route lookups only (${SECONDS_EACH} s, 16 connections)   [target: >= 300 req/s, 0 errors]"
LOAD_ONLY=route wrk -t2 -c16 -d"${SECONDS_EACH}s" --latency -s bench/load/mixed.lua "http://127.0.0.1:$PORT" | tail -1
