#!/usr/bin/env bash
# A private PostgreSQL server for the history tests: a throwaway cluster on a loopback port, owned
# by an unprivileged user (PostgreSQL refuses to run as root, and CI runs as root).
#
#   eval "$(scripts/postgres.sh start)"   # starts it; prints PARLEY_TEST_POSTGRES_URL=… and PARLEY_PG_DIR=…
#   scripts/postgres.sh stop "$PARLEY_PG_DIR"
#
# Needs Debian's `postgresql` package (scripts/setup.sh installs it).
set -euo pipefail

bindir() {
  local initdb
  initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$initdb" ]; then initdb=$(command -v initdb || true); fi
  if [ -z "$initdb" ]; then
    echo "parley: PostgreSQL's initdb was not found; install Debian's postgresql package" >&2
    exit 1
  fi
  dirname "$initdb"
}

# Runs a command as the cluster's owner: ourselves, or `postgres`/`nobody` when we are root.
as_owner() {
  if [ "$(id -u)" -ne 0 ]; then "$@"; return; fi
  local user=postgres
  id "$user" >/dev/null 2>&1 || user=nobody
  runuser -u "$user" -- "$@"
}

owner() {
  if [ "$(id -u)" -ne 0 ]; then id -un; elif id postgres >/dev/null 2>&1; then echo postgres; else echo nobody; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

case "${1:-}" in
  start)
    bin=$(bindir)
    dir=$(mktemp -d /tmp/parley-pg.XXXXXX)
    chmod 755 "$dir"
    chown "$(owner)" "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U parley --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
    port=$(free_port)
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null || {
      cat "$dir/server.log" >&2
      exit 1
    }
    echo "PARLEY_TEST_POSTGRES_URL=postgres://parley@127.0.0.1:$port/postgres?sslmode=disable"
    echo "PARLEY_PG_DIR=$dir"
    ;;
  stop)
    dir="${2:?usage: scripts/postgres.sh stop DIR}"
    bin=$(bindir)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: scripts/postgres.sh start | stop DIR" >&2
    exit 2
    ;;
esac
