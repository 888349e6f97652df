#!/usr/bin/env bash
# Starts the local PostgreSQL 15 cluster (installed by test-system-deps.sh) and makes sure the test
# role and database exist with PostGIS. Prints the connection URL the tests use. Idempotent.
set -euo pipefail

ROLE=geoapp_test PASSWORD=geoapp_test DB=geoapp_test PORT=${GEOAPP_TEST_PG_PORT:-5432}
as_postgres() { if [[ $(id -u) -eq 0 ]]; then su postgres -c "$*"; else sudo -u postgres bash -c "$*"; fi; }

# Only the URL goes to standard output: whatever the PostgreSQL tools print (e.g. "Removed stale
# pid file." after an unclean stop) goes to standard error, so that $(...) captures the URL alone.
# (Not through a spare descriptor: the server would inherit it and $(...) would never end.)
start() {
if ! pg_lsclusters -h 2>/dev/null | grep -q '^15 \+main'; then
  as_postgres "pg_createcluster 15 main --port $PORT" >/dev/null
fi
if ! pg_lsclusters -h | grep -q '^15 \+main .* online'; then
  # After an unclean stop the old server's socket lock can outlive it for a moment: retry.
  for attempt in 1 2 3; do
    if [[ $(id -u) -eq 0 ]]; then
      pg_ctlcluster --skip-systemctl-redirect 15 main start && break
    else
      sudo pg_ctlcluster --skip-systemctl-redirect 15 main start && break
    fi
    [[ $attempt -lt 3 ]] || exit 1
    sleep 2
  done
fi
for _ in $(seq 1 30); do
  as_postgres "pg_isready -q -h 127.0.0.1 -p $PORT" && break
  sleep 0.5
done
as_postgres "psql -q -p $PORT -tc \"SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'\" | grep -q 1 || psql -q -p $PORT -c \"CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'\""
as_postgres "psql -q -p $PORT -tc \"SELECT 1 FROM pg_database WHERE datname = '$DB'\" | grep -q 1 || createdb -p $PORT -O $ROLE $DB"
as_postgres "psql -q -p $PORT -d $DB -c 'SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis'" >/dev/null
}
start >&2
echo "postgresql://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
