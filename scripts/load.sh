#!/usr/bin/env bash
# Load test: gunicorn with the production settings (geoapp serve: 2 preloaded workers x 4 threads;
# WORKERS / THREADS to try others) driven by wrk from a second process on loopback: SECONDS of a mixed
# workload, then SECONDS of route lookups between 15 places (225 questions, asked again and again: most
# are answered from the answer cache), then SECONDS of route lookups that are all new questions (both
# ends moved up to ~1 km at random: every one is searched). Rate limits are raised for the run (every
# request comes from one client). After each run: the server's CPU time per request (its processes'
# user + system time, from /proc), a figure other work on the machine changes less than the rate.
# Usage: scripts/load.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
WORKERS=${WORKERS:-2}
THREADS=${THREADS:-4}
BIN=.venv/bin
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
INSTANCE=$(mktemp -d)
PORT=$($BIN/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export GEOAPP_INSTANCE_PATH=$INSTANCE GEOAPP_RATE_LIMIT_LOOKUPS="1000000/minute" \
  GEOAPP_RATE_LIMIT_DOWNLOADS="1000000/minute"
setsid $BIN/geoapp serve --port "$PORT" --workers "$WORKERS" --threads "$THREADS" >"$INSTANCE/server.log" 2>&1 &
SERVER=$!
trap 'kill -TERM -- -$SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$INSTANCE"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.5; done
for page in / "/route?from=-72.2853,18.5125&to=-72.5369,18.2357" "/access?from=pt-jacmel-seaport"; do
  curl -sf "http://127.0.0.1:$PORT$page" >/dev/null  # warm the page caches and compiled code
done

cpu_ticks() {  # user + system clock ticks of the server's processes (the master and its workers)
  local total=0 pid
  for pid in $SERVER $(cat /proc/$SERVER/task/*/children 2>/dev/null); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo $total
}

run() {  # run LABEL [ENV=VALUE...]: one wrk run with the given environment for mixed.lua
  local label=$1 before after result count
  shift
  echo "== $label (${SECONDS_EACH} s, 16 connections, $WORKERS workers x $THREADS threads; $(uptime | sed 's/.*load/load/'))"
  before=$(cpu_ticks)
  result=$(env "$@" wrk -t2 -c16 -d"${SECONDS_EACH}s" --latency -s bench/load/mixed.lua "http://127.0.0.1:$PORT" | tail -1)
  after=$(cpu_ticks)
  count=$(sed -E 's/^requests: ([0-9]+) .*/\1/' <<<"$result")
  echo "$result"
  awk -v t=$((after - before)) -v n="$count" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { if (n > 0) printf "server CPU: %.2f ms per request\n", t * 1000 / hz / n }'
}

run "mixed: routes 50%, point checks 20%, downloads 15%, pages 15%"
run "route lookups, 225 questions asked again   [target: >= 300 req/s, 0 errors]" LOAD_ONLY=route
run "route lookups, every one a new question    [target: >= 300 req/s, 0 errors]" LOAD_ONLY=route LOAD_DISTINCT=1
