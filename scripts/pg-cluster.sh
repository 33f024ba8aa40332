#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks: Debian's PostgreSQL 15, initdb and
# pg_ctl run as the postgres user, listening only on a Unix socket in DIR (no TCP), trust
# authentication for the user "newsdedup", who owns the database "newsdedup".
#   scripts/pg-cluster.sh start DIR   creates DIR if needed, starts the cluster, prints its URI
#   scripts/pg-cluster.sh stop DIR    stops it (fast shutdown); DIR is left for the caller
#   scripts/pg-cluster.sh crash DIR   stops it at once (immediate: no checkpoint, as a crash)
#   scripts/pg-cluster.sh restart DIR starts a stopped or crashed cluster again (WAL recovery)
# With PG_LISTEN=ADDRESS, start also listens on TCP there (port 5432), trusting any client: for
# a test's network namespace, never for a server.
set -euo pipefail
case "${1:-}" in -h|--help) sed -n "2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}" "$0"; exit 0 ;; esac
bin=/usr/lib/postgresql/15/bin
[ $# -eq 2 ] || { echo "usage: $0 start|stop|crash|restart DIR" >&2; exit 64; }
action=$1 dir=$2
[ -x "$bin/initdb" ] || { echo "$0: PostgreSQL 15 is not installed ($bin/initdb): apt-get install postgresql" >&2; exit 69; }
# initdb refuses to run as root: the cluster belongs to the postgres user. From /: the caller's
# directory (a checkout under /root, a mktemp -d) may be one the postgres user cannot enter.
as_postgres() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
# Listening on the socket in DIR only; a crashed cluster's WAL recovery fits in the minute.
serve() {
    listen=$(cat "$dir/listen" 2>/dev/null || true)
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-k $dir -c listen_addresses='$listen' -c max_connections=50" start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
}
case "$action" in
start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_postgres "$bin/initdb" -D "$dir/data" -U newsdedup -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    if [ -n "${PG_LISTEN:-}" ]; then
        echo "$PG_LISTEN" >"$dir/listen"
        echo "host all all 0.0.0.0/0 trust" >>"$dir/data/pg_hba.conf"
    fi
    serve
    as_postgres "$bin/createdb" -h "$dir" -U newsdedup newsdedup
    echo "postgresql://newsdedup@/newsdedup?host=$dir"
    ;;
restart)
    serve
    ;;
crash)
    as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
stop)
    as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
*) echo "usage: $0 start|stop|crash|restart DIR" >&2; exit 64 ;;
esac
