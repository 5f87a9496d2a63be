#!/usr/bin/env bash
# Starts PostgreSQL and MariaDB for the tasklink-sql tests when they are down, and makes
# sure each has the database `test` the tests use.
#
# Idempotent and quick when both answer already. As root it starts the services
# (`service postgresql start`, `service mariadb start`); elsewhere it prints what is
# missing and exits 0: the tests that need a server then fail saying it is not running.
# The addresses are those the tests read: TASKLINK_TEST_POSTGRES, TASKLINK_TEST_MARIADB
# (host:port; defaults 127.0.0.1:5432 and 127.0.0.1:3306).
set -euo pipefail

POSTGRES="${TASKLINK_TEST_POSTGRES:-127.0.0.1:5432}"
MARIADB="${TASKLINK_TEST_MARIADB:-127.0.0.1:3306}"

listening() {  # host:port
  (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null
}

wait_for() {  # host:port name
  for _ in $(seq 1 60); do
    listening "$1" && return 0
    sleep 1
  done
  echo "setup_databases.sh: $2 did not start on $1 within 60 s" >&2
  return 1
}

start() {  # service host:port name
  local service=$1 address=$2 name=$3
  if listening "$address"; then
    return 0
  fi
  if [[ "$(id -u)" != "0" ]]; then
    echo "setup_databases.sh: $name is not running on $address and this is not root;" >&2
    echo "  start it with: sudo service $service start" >&2
    return 0
  fi
  if ! command -v service >/dev/null 2>&1 || [[ ! -e "/etc/init.d/$service" ]]; then
    echo "setup_databases.sh: $name is not installed ($service); install it with" >&2
    echo "  apt-get install $service" >&2
    return 1
  fi
  echo "setup_databases.sh: starting $name"
  service "$service" start
  wait_for "$address" "$name"
}

failures=0
start postgresql "$POSTGRES" PostgreSQL || failures=$((failures + 1))
start mariadb "$MARIADB" MariaDB || failures=$((failures + 1))

# The database `test` (a fresh install has it for MariaDB, not always for PostgreSQL).
if listening "$POSTGRES" && command -v psql >/dev/null 2>&1; then
  host=${POSTGRES%:*} port=${POSTGRES##*:}
  if ! psql -h "$host" -p "$port" -U postgres -d test -c "SELECT 1" >/dev/null 2>&1; then
    psql -h "$host" -p "$port" -U postgres -d postgres -c "CREATE DATABASE test" >/dev/null 2>&1 ||
      echo "setup_databases.sh: could not create the PostgreSQL database test" >&2
  fi
fi
if listening "$MARIADB" && command -v mariadb >/dev/null 2>&1; then
  mariadb -h "${MARIADB%:*}" -P "${MARIADB##*:}" -u root -e "CREATE DATABASE IF NOT EXISTS test" \
    >/dev/null 2>&1 || echo "setup_databases.sh: could not create the MariaDB database test" >&2
fi
exit "$failures"
