#!/usr/bin/env bash
# Private MariaDB and Redis instances (and the Debian packages the tests use) for the test suite: own ports, data folders and pid files,
# so they run beside anything else on the machine and are stopped by pid, never by name.
# Usage: source scripts/services.sh; services_start; ...; services_stop
set -euo pipefail

SERVICES_DIR="${SERVICES_DIR:-$(mktemp -d /tmp/sratix-services.XXXXXX)}"
# mktemp makes the folder 0700; mariadbd runs as the mysql user and must reach its data inside.
chmod 755 "$SERVICES_DIR"

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local port=$1
  while ! port_is_free "$port"; do port=$((port + 1)); done
  echo "$port"
}

ensure_debian_packages() {
  local missing=()
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  # Browser tests, badge PDFs and QR checks: Debian's Chromium (never a downloaded build), fonts for
  # stable rendering in all four languages, and the tools that read PDFs and QR codes back.
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -d /usr/share/fonts/truetype/liberation ] || missing+=(fonts-liberation)
  command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
  # A real WordPress theme's stylesheet, the host page of the widget isolation test.
  [ -f /usr/share/wordpress/wp-content/themes/twentytwentyone/style.css ] || missing+=(wordpress-theme-twentytwentyone)
  # The WordPress plugins' tests: Debian's WordPress served by PHP's built-in server, and PHPUnit.
  [ -f /usr/share/wordpress/wp-settings.php ] || missing+=(wordpress)
  command -v php >/dev/null 2>&1 || missing+=(php-cli)
  local php_modules
  php_modules=$(php -m 2>/dev/null || true)
  grep -qix mysqli <<<"$php_modules" || missing+=(php-mysql)
  grep -qix dom <<<"$php_modules" || missing+=(php-xml)
  grep -qix mbstring <<<"$php_modules" || missing+=(php-mbstring)
  grep -qix curl <<<"$php_modules" || missing+=(php-curl)
  command -v phpunit >/dev/null 2>&1 || missing+=(phpunit)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "services: installing ${missing[*]} from Debian" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

start_mariadb() {
  local dir="$SERVICES_DIR/mariadb"
  MARIADB_PORT=$(free_port "${MARIADB_PORT:-34306}")
  MARIADB_SOCKET="$dir/mysqld.sock"
  MARIADB_PID="$dir/mysqld.pid"
  mkdir -p "$dir/data"
  chown -R mysql:mysql "$dir"
  mariadb-install-db --user=mysql --datadir="$dir/data" --auth-root-authentication-method=socket \
    --skip-test-db >"$dir/install.log" 2>&1 || {
    echo "services: mariadb-install-db failed:" >&2
    tail -20 "$dir/install.log" >&2
    return 1
  }
  start-stop-daemon --start --background --pidfile "$MARIADB_PID" --exec /usr/sbin/mariadbd -- \
    --no-defaults --user=mysql --datadir="$dir/data" --socket="$MARIADB_SOCKET" --pid-file="$MARIADB_PID" \
    --port="$MARIADB_PORT" --bind-address=127.0.0.1 --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_unicode_ci --max-connections=500 --innodb-buffer-pool-size=256M \
    --innodb-flush-log-at-trx-commit=2 --log-error="$dir/error.log"
  for _ in $(seq 1 100); do
    mariadb-admin --socket="$MARIADB_SOCKET" ping >/dev/null 2>&1 && break
    sleep 0.2
  done
  mariadb-admin --socket="$MARIADB_SOCKET" ping >/dev/null 2>&1 || {
    echo "services: MariaDB did not start; see $dir/error.log" >&2
    tail -20 "$dir/error.log" >&2 || true
    return 1
  }
  mariadb --socket="$MARIADB_SOCKET" <<SQL
CREATE USER 'sratix'@'127.0.0.1' IDENTIFIED BY 'sratix';
CREATE USER 'sratix'@'localhost' IDENTIFIED BY 'sratix';
GRANT ALL PRIVILEGES ON *.* TO 'sratix'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'sratix'@'localhost';
FLUSH PRIVILEGES;
SQL
  export SRATIX_TEST_MYSQL_URL="mysql://sratix:sratix@127.0.0.1:$MARIADB_PORT"
}

start_redis() {
  local dir="$SERVICES_DIR/redis"
  REDIS_PORT=$(free_port "${REDIS_PORT:-36379}")
  REDIS_PID="$dir/redis.pid"
  mkdir -p "$dir"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "$dir" --pidfile "$REDIS_PID" --logfile "$dir/redis.log"
  for _ in $(seq 1 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  export SRATIX_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
}

stop_by_pidfile() {
  local pidfile=$1
  [ -f "$pidfile" ] || return 0
  local pid
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
}

services_start() {
  ensure_debian_packages
  start_mariadb
  start_redis
  echo "services: MariaDB on 127.0.0.1:$MARIADB_PORT, Redis on 127.0.0.1:$REDIS_PORT ($SERVICES_DIR)" >&2
}

services_stop() {
  stop_by_pidfile "$SERVICES_DIR/redis/redis.pid"
  stop_by_pidfile "$SERVICES_DIR/mariadb/mysqld.pid"
  rm -rf "$SERVICES_DIR"
}
