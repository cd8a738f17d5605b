#!/usr/bin/env bash
# A throwaway PostgreSQL on 127.0.0.1 for the mirror tests (tests/sync read ONEC_TEST_PG_URL).
#
#   URL=$(scripts/start-postgres.sh)          # install if needed, start, print the URL on stdout
#   scripts/start-postgres.sh stop            # stop it and remove its data directory
#
# Installs the server with apt-get when no PostgreSQL binaries are found. The cluster lives in
# $ONEC_PG_DIR (default /tmp/onec-test-pg), listens on loopback only with trust authentication,
# and is meant for tests: never point it at data you care about. Messages go to stderr.
# ONEC_PG_NO_INSTALL=1: fail instead of installing (the tests use it to start an existing server).
set -euo pipefail

DIR="${ONEC_PG_DIR:-/tmp/onec-test-pg}"
PORT="${ONEC_PG_PORT:-55432}"
DB="${ONEC_PG_DB:-onec_test}"

log() { echo "start-postgres: $*" >&2; }

find_bindir() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"; return 0
    fi
    return 1
}

# initdb refuses to run as root: as root, run the server as the 'postgres' account.
as_owner() {
    if [ "$(id -u)" = "0" ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

BIN="$(find_bindir || true)"
if [ "${1:-}" = "stop" ]; then
    if [ -n "$BIN" ] && [ -f "$DIR/data/postmaster.pid" ]; then
        as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true
    fi
    rm -rf "$DIR"
    exit 0
fi

if [ -z "$BIN" ]; then
    if [ -n "${ONEC_PG_NO_INSTALL:-}" ]; then log "no PostgreSQL found (and ONEC_PG_NO_INSTALL is set)"; exit 1; fi
    log "no PostgreSQL found; installing it with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    BIN="$(find_bindir)"
fi

if [ "$(id -u)" = "0" ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir "$DIR" --shell /bin/sh postgres
fi

mkdir -p "$DIR"
if [ "$(id -u)" = "0" ]; then chown postgres: "$DIR"; fi

if [ ! -f "$DIR/data/PG_VERSION" ]; then
    as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >&2 \
        || as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C >&2
fi

if ! as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
    # Loopback only, a private socket directory (the system's may not be writable), quick shutdown.
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c full_page_writes=off" start >&2 \
        || { log "the server did not start; its log:"; tail -n 20 "$DIR/server.log" >&2; exit 1; }
fi

if ! as_owner "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
    as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB" >&2
fi

echo "postgresql://postgres@127.0.0.1:$PORT/$DB"
