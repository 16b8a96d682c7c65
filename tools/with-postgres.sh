#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL on loopback, when the machine has PostgreSQL's server
# binaries (Debian's postgresql package), and CITEWATCH_TEST_PG_URL pointing at it: the catalog and
# alert tests then run against PostgreSQL as well as SQLite. Without the binaries the command runs
# as is (SQLite only), and this says so.
set -u
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "note: no PostgreSQL server binaries found: catalog tests run on SQLite only" >&2
  exec "$@"
fi
dir=$(mktemp -d /tmp/citewatch-pg.XXXXXX)
chmod 755 "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg() {
  if [ "$(id -u)" = "0" ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi
}
if [ "$(id -u)" = "0" ]; then chown postgres "$dir"; fi
if ! as_pg "'$bindir/initdb' -D '$dir/data' -A trust -U postgres >'$dir/initdb.log' 2>&1 && \
     '$bindir/pg_ctl' -D '$dir/data' -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1\" -l '$dir/log' -w start >/dev/null"; then
  echo "note: could not start PostgreSQL (see $dir): catalog tests run on SQLite only" >&2
  exec "$@"
fi
"$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -q -c "create database citewatch_test" >/dev/null
export CITEWATCH_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/citewatch_test"
echo "PostgreSQL on 127.0.0.1:$port for the catalog tests" >&2
"$@"
status=$?
as_pg "'$bindir/pg_ctl' -D '$dir/data' -m fast stop >/dev/null"
rm -rf "$dir"
exit $status
