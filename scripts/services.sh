#!/usr/bin/env bash
# Installs (from Debian's packages, when missing), configures and starts the
# servers the tests use, then waits until they answer:
#   PostgreSQL on 127.0.0.1:5432, trust auth, database "test";
#   Redis on 127.0.0.1:6379, nothing persisted.
# Safe to run again: a server that already answers is left as it is.
set -euo pipefail

sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
updated=""
install() {
  if [ -z "$updated" ]; then $sudo apt-get update -qq; updated=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@"
}

pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

# PostgreSQL.
if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  install postgresql
fi
if ! pg_ready; then
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  hba=/etc/postgresql/$ver/main/pg_hba.conf
  # Trust on loopback (the tests' URL carries no password), peer stays for the socket.
  if ! grep -q '^# rampart tests' "$hba"; then
    $sudo sed -i -E 's/^(host[[:space:]].*)(scram-sha-256|md5|peer)[[:space:]]*$/\1trust/' "$hba"
    { echo '# rampart tests: trust on loopback';
      echo 'host all all 127.0.0.1/32 trust';
      echo 'host all all ::1/128 trust'; } | $sudo tee -a "$hba" >/dev/null
  fi
  $sudo pg_ctlcluster --skip-systemctl-redirect "$ver" main start || $sudo pg_ctlcluster --skip-systemctl-redirect "$ver" main restart
fi
for _ in $(seq 1 60); do pg_ready && break; sleep 0.5; done
pg_ready || { echo "PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }
if ! psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1; then
  psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE test' >/dev/null
fi
psql -h 127.0.0.1 -U postgres -d test -tAc 'SELECT 1' >/dev/null
echo "PostgreSQL ready on 127.0.0.1:5432 (database test)"

# Redis.
redis_ready() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if ! command -v redis-server >/dev/null 2>&1; then
  install redis-server
fi
if ! redis_ready; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
fi
for _ in $(seq 1 60); do redis_ready && break; sleep 0.25; done
redis_ready || { echo "Redis does not answer on 127.0.0.1:6379" >&2; exit 1; }
echo "Redis ready on 127.0.0.1:6379"
