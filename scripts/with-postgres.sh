#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL 15 server on a loopback port.
# The server lives in a temporary directory and is stopped (and removed) when
# the command ends, whether it passed or failed. DATABASE_URL points at it.
set -euo pipefail

find_bin() {
  for dir in /usr/lib/postgresql/15/bin "$(dirname "$(command -v initdb 2>/dev/null || echo /x/x)")"; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  done
  return 1
}

PGBIN=$(find_bin || true)
if [ -z "$PGBIN" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "PostgreSQL 15 not found: installing it with apt-get" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
    PGBIN=$(find_bin)
  else
    echo "PostgreSQL 15 (initdb, pg_ctl) is not installed; run: sudo apt-get install postgresql-15" >&2
    exit 1
  fi
fi

WORK=$(mktemp -d /tmp/alliancelens-pg.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$WORK"
  AS=(runuser -u postgres --)
else
  AS=()
fi

cleanup() {
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

"${AS[@]}" "$PGBIN/initdb" -D "$WORK/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
# Durability is pointless for a test server; skipping it saves minutes.
OPTS="-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
"${AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w -o "$OPTS" \
  start >/dev/null || { cat "$WORK/server.log" >&2; exit 1; }

export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/alliancelens"
# For a command that stops and starts this server (scripts/faults.py): its
# data directory, and pg_ctl with its data directory, log and options as a
# shell-quoted command line, to which "stop -m fast" or "start" is added.
export PGDATA_DIR="$WORK/data"
PG_CTL=$(printf '%q ' "${AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w -o "$OPTS")
export PG_CTL
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT" >&2
"$@"
