#!/usr/bin/env bash
# Make sure the services the test suite talks to are up: PostgreSQL and Redis on
# 127.0.0.1, and Debian's chromium for the browser tests. Starts what is installed
# but stopped; installs (Debian packages, as root) what is missing. Idempotent.
set -euo pipefail

PG_PORT=${PG_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}
apt_updated=""

say() { echo "[services] $*"; }

apt_install() {
  if [ -z "$apt_updated" ]; then
    say "apt-get update"
    apt-get update -qq
    apt_updated=1
  fi
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_up() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; }

ensure_postgres() {
  if pg_up; then return; fi
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    apt_install postgresql postgresql-client
  fi
  if command -v pg_lsclusters >/dev/null && [ -n "$(pg_lsclusters -h 2>/dev/null)" ]; then
    read -r version cluster _ < <(pg_lsclusters -h | head -n 1)
    say "starting PostgreSQL cluster $version/$cluster"
    pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start || true
  else
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    data=/var/lib/postgresql/polkamesh
    if [ ! -f "$data/PG_VERSION" ]; then
      say "initdb $data"
      install -d -o postgres -g postgres "$data"
      su postgres -s /bin/sh -c "$bin/initdb -D $data -A trust -U postgres" >/dev/null
    fi
    su postgres -s /bin/sh -c "$bin/pg_ctl -D $data -l $data/server.log -w \
      -o '-c listen_addresses=127.0.0.1 -p $PG_PORT -k /tmp' start" >/dev/null
  fi
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { say "PostgreSQL did not come up on 127.0.0.1:$PG_PORT"; exit 1; }
  # A fresh Debian cluster asks TCP clients for a password: give postgres the one the
  # test settings use (a trust-auth server ignores it).
  su postgres -s /bin/sh -c "psql -q -p $PG_PORT -c \"ALTER USER postgres PASSWORD 'postgres'\"" \
    >/dev/null 2>&1 || true
}

# The database `make test`'s migration check reads its history from (the suite itself
# runs in pytest-django's test_polkamesh): without it the check waits out the pool's
# timeout on a fresh machine.
ensure_database() {
  local name=${PG_DATABASE:-polkamesh}
  if ! psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
    say "creating database $name"
    createdb -h 127.0.0.1 -p "$PG_PORT" -U postgres "$name"
  fi
}

redis_up() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

ensure_redis() {
  if redis_up; then return; fi
  command -v redis-server >/dev/null || apt_install redis-server
  say "starting Redis on 127.0.0.1:$REDIS_PORT"
  mkdir -p /tmp/polkamesh-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save '' \
    --appendonly no --dir /tmp/polkamesh-redis --logfile /tmp/polkamesh-redis/redis.log \
    --pidfile /tmp/polkamesh-redis/redis.pid
  for _ in $(seq 1 20); do redis_up && break; sleep 0.5; done
  redis_up || { say "Redis did not come up on 127.0.0.1:$REDIS_PORT"; exit 1; }
}

ensure_chromium() {
  command -v chromium >/dev/null || apt_install chromium
}

# The local chain (marketplace/chain/localnet): Node and the packages pinned by its
# package-lock.json. Node >= 20 (chopsticks asks for 22 and runs on 20); Debian's own
# nodejs is older, so a missing or old Node is reported rather than half-installed.
ensure_chain() {
  local dir
  dir="$(cd "$(dirname "$0")/.." && pwd)/marketplace/chain/localnet"
  if ! command -v node >/dev/null; then apt_install nodejs npm; fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 20 ]; then
    say "Node $(node --version) is too old for the local chain (needs 20 or newer)"
    exit 1
  fi
  if [ ! -f "$dir/node_modules/.package-lock.json" ] \
      || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "installing the local chain's packages (npm ci, about 2 minutes)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

case "${1:-all}" in
  postgres) ensure_postgres; ensure_database ;;
  redis) ensure_redis ;;
  chromium) ensure_chromium ;;
  chain) ensure_chain ;;
  all) ensure_postgres; ensure_database; ensure_redis; ensure_chromium; ensure_chain ;;
esac
say "ready: PostgreSQL :$PG_PORT, Redis :$REDIS_PORT, the local chain${1:+ ($1)}"
