#!/usr/bin/env bash
# pgtest.sh: a throwaway PostgreSQL for trying `warta-server --db URL` with
# the PostgreSQL store, of the kind server/store/pgstore's tests start for
# themselves: unix socket only, trust authentication, fsync off. Never for
# real data.
#
#   scripts/pgtest.sh start [DIR]   start one in DIR (default /tmp/warta-pg); prints the --db URL
#   scripts/pgtest.sh stop [DIR]    stop it and remove DIR
#   scripts/pgtest.sh test          run pgstore's tests (they need no running server)
set -euo pipefail
cd "$(dirname "$0")/.."

cmd=${1:-}
dir=${2:-/tmp/warta-pg}
port=55432 # names the socket file only; nothing listens on TCP

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ]; then
  echo "pgtest.sh: PostgreSQL is not installed: apt-get install postgresql (scripts/setup.sh does it)" >&2
  exit 1
fi

# PostgreSQL refuses to run as root; run its programs as the postgres user.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then (cd "$dir" && runuser -u postgres -- "$@"); else (cd "$dir" && "$@"); fi
}

case "$cmd" in
start)
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
  if [ ! -d "$dir/data" ]; then
    as_pg "$bin/initdb" -D "$dir/data" --auth=trust -U postgres --encoding=UTF8 --locale=C \
      --no-sync --no-instructions >/dev/null
  fi
  if ! as_pg "$bin/pg_ctl" status -D "$dir/data" >/dev/null; then
    as_pg "$bin/pg_ctl" start -D "$dir/data" -l "$dir/postgres.log" -w -t 30 \
      -o "-F -k $dir -p $port -c listen_addresses=''" >/dev/null
  fi
  if ! as_pg "$bin/psql" -h "$dir" -p "$port" -U postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'warta'" | grep -q 1; then
    as_pg "$bin/createdb" -h "$dir" -p "$port" -U postgres warta
  fi
  echo "postgres:///warta?host=$dir&port=$port&user=postgres"
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_pg "$bin/pg_ctl" stop -D "$dir/data" -m fast -w >/dev/null
  fi
  rm -rf "$dir"
  ;;
test)
  exec go test -count=1 ./server/store/pgstore/
  ;;
*)
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
