#!/usr/bin/env bash
# Starts a private PostgreSQL cluster for the store tests (test/store/) and writes where to find it.
# Private (initdb under /var/tmp, own port, loopback only) so it needs no systemd, does not touch a
# system cluster, and works the same on a fresh Debian 12 container as root and on a developer's
# machine as a normal user. Idempotent: a second run finds the cluster running and only checks it.
#
# Writes:  $PPTPMON_PG_DIR/url       postgres://pptpmon_test@127.0.0.1:PORT/pptpmon_test (no password)
#          $PPTPMON_PG_DIR/password  the role's password (mode 600)
# Stop it: pg_ctl -D $PPTPMON_PG_DIR/data stop (as the owner).
set -euo pipefail

BASE=${PPTPMON_PG_DIR:-/var/tmp/pptpmon-pg}
PORT=${PPTPMON_PG_PORT:-55432}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  # Not installed (scripts/test.sh installs it from debian-packages.txt when run as root): the
  # PostgreSQL half of the store suite then skips with this reason instead of failing everything.
  echo "20-postgres: unavailable: PostgreSQL server binaries not found under /usr/lib/postgresql (install package postgresql)"
  rm -f "$BASE/url"
  exit 0
fi

# initdb refuses to run as root: as root, the cluster belongs to the postgres user the package made.
if [ "$(id -u)" = 0 ]; then
  OWNER=postgres
  as_owner() { runuser -u postgres -- "$@"; }
else
  OWNER=$(id -un)
  as_owner() { "$@"; }
fi

mkdir -p "$BASE"
# Test files run in parallel and may each call this hook (test/store/drivers.ts): one at a time.
exec 9>"$BASE.lock"
flock -w 120 9 || { echo "20-postgres: $BASE.lock still held after 120 s (by: $(fuser "$BASE.lock" 2>/dev/null))" >&2; exit 1; }
chown "$OWNER" "$BASE"
chmod 700 "$BASE"
DATA=$BASE/data

if [ ! -s "$DATA/PG_VERSION" ]; then
  echo "20-postgres: initdb in $DATA"
  as_owner "$PGBIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$BASE/initdb.log" 2>&1 ||
    { cat "$BASE/initdb.log" >&2; exit 1; }
  mkdir -p "$BASE/run"
  chown "$OWNER" "$BASE/run"
  cat >>"$DATA/postgresql.conf" <<CONF
# pptpmon test cluster
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$BASE/run'
max_connections = 100
CONF
fi

ready() { "$PGBIN/pg_isready" -q -h "$BASE/run" -p "$PORT" -t 2; }
alive() { # the postmaster named in the lock file still exists (and is not a zombie awaiting its reaper)
  local pid
  pid=$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/status" ] && ! grep -q '^State:.*Z' "/proc/$pid/status"
}
zombie() { # the lock file names a postmaster that died and was never reaped
  local pid
  pid=$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null
}
if ! ready; then
  # Left over from a killed cluster (container restart, kill -9): wait for it to be gone.
  for _ in $(seq 1 20); do alive || break; ready && break; sleep 0.5; done
  # In a container whose PID 1 does not reap orphans, a killed postmaster stays a zombie, and both
  # pg_ctl and postgres take its lock file for a live server. A zombie holds nothing (postgres' own
  # shared-memory interlock still guards against surviving backends), so the stale lock can go.
  if ! ready && zombie; then rm -f "$DATA/postmaster.pid" "$BASE/run/.s.PGSQL.$PORT.lock"; fi
fi
if ! ready; then
  echo "20-postgres: starting on 127.0.0.1:$PORT"
  # 9>&-: the postmaster must not inherit the hook's lock, or it holds it for life and every later
  # run of this hook waits for it in vain.
  as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$BASE/server.log" -w -t 60 start >/dev/null 9>&- ||
    { tail -n 20 "$BASE/server.log" >&2; exit 1; }
fi

PSQL=("$PGBIN/psql" -h "$BASE/run" -p "$PORT" -U postgres -X -q -v ON_ERROR_STOP=1)
if [ ! -s "$BASE/password" ]; then
  # Only the runner reads it; the role exists only in this private cluster.
  (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$BASE/password")
fi
PASS=$(cat "$BASE/password")
# The password goes to psql on stdin (a variable), never on a command line that ps would show.
as_owner "${PSQL[@]}" -d postgres -v pass="$PASS" <<'SQL'
SELECT format('CREATE ROLE pptpmon_test LOGIN CREATEDB PASSWORD %L', :'pass')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pptpmon_test') \gexec
SELECT format('ALTER ROLE pptpmon_test PASSWORD %L', :'pass') \gexec
SELECT 'CREATE DATABASE pptpmon_test OWNER pptpmon_test'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'pptpmon_test') \gexec
SQL
echo "postgres://pptpmon_test@127.0.0.1:$PORT/pptpmon_test" >"$BASE/url"
echo "20-postgres: ready, url in $BASE/url"
