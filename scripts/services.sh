#!/usr/bin/env bash
# Private PostgreSQL and Redis instances for this checkout (single-machine mode and tests).
#
#   scripts/services.sh start   # idempotent; writes .run/services.env (DATABASE_URL, REDIS_URL)
#   scripts/services.sh stop    # stops only what this checkout started; idempotent
#   scripts/services.sh status  # exit 0 when every needed service is up, 3 otherwise
#
# Both listen on 127.0.0.1 only, keep data under .run/ and log to .run/*.log. A URL already set
# in the environment (DATABASE_URL / REDIS_URL) means "use that server": we do not start ours,
# unless it is ours (a shell that sourced .run/services.env).
# See docs/decisions/0004-local-services.md.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

PG_DEFAULT_PORT=55432
REDIS_DEFAULT_PORT=56379
PG_DATA="$RUN_DIR/postgres"
PG_LOG="$RUN_DIR/postgres.log"
PG_PASSWORD_FILE="$RUN_DIR/postgres.password"
REDIS_DIR="$RUN_DIR/redis"
REDIS_PID="$RUN_DIR/redis.pid"
REDIS_PORT_FILE="$RUN_DIR/redis.port"
REDIS_LOG="$RUN_DIR/redis.log"
WAIT_SECONDS="${DRIFTWATCH_SERVICES_TIMEOUT:-60}"

PG_BIN=''
PG_AS=()

# ---------------------------------------------------------------------------------------------
# Ports

# Can we bind 127.0.0.1:<port> right now?
port_free() {
  node -e '
    const s = require("net").createServer();
    s.once("error", () => process.exit(1));
    s.listen(Number(process.argv[1]), "127.0.0.1", () => s.close(() => process.exit(0)));
  ' "$1" 2>/dev/null
}

# First free port scanning upward from <start>; an OS-assigned one if the range is busy.
pick_port() {
  local p="$1" i
  for ((i = 0; i < 100; i++, p++)); do
    if port_free "$p"; then
      printf '%s\n' "$p"
      return 0
    fi
  done
  node -e '
    const s = require("net").createServer();
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => console.log(port)); });
  '
}

log_tail() {
  local file="$1"
  printf -- '---- last lines of %s ----\n' "$file" >&2
  tail -n 30 "$file" >&2 2>/dev/null || true
  printf -- '----\n' >&2
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

# PostgreSQL refuses to run as root. As root we run initdb/pg_ctl/postgres as the `postgres`
# system user via setpriv. The checkout may sit below a 0700 root-owned directory (CI uses
# `mktemp -d`) that `postgres` cannot traverse; rather than loosening permissions outside the
# repo, we hand the process the single capability CAP_DAC_READ_SEARCH (ambient, so it survives
# exec into pg_ctl -> postgres): it may traverse/read directories, nothing more. Files it writes
# live in .run/postgres (chowned to postgres) and the pre-created, chowned .run/postgres.log.
setup_pg_runner() {
  PG_BIN="$(pg_bin_dir)" || true
  [[ -n "$PG_BIN" ]] || die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
  PG_AS=()
  [[ "$(id -u)" == 0 ]] || return 0
  id postgres >/dev/null 2>&1 || die "running as root, but there is no 'postgres' system user to run PostgreSQL as (apt-get install postgresql)"
  command -v setpriv >/dev/null 2>&1 || die "setpriv (util-linux) is required to run PostgreSQL as the postgres user"
  local -a base=(setpriv --reuid=postgres --regid=postgres --init-groups)
  local -a caps=("${base[@]}" --inh-caps=+dac_read_search --ambient-caps=+dac_read_search)
  if (cd / && "${caps[@]}" -- ls "$PG_DATA" >/dev/null 2>&1); then
    PG_AS=("${caps[@]}" --)
  elif (cd / && "${base[@]}" -- ls "$PG_DATA" >/dev/null 2>&1); then
    # No ambient-capability support (e.g. restricted container), but the path is traversable.
    PG_AS=("${base[@]}" --)
  else
    die "the postgres user cannot reach $PG_DATA (a parent directory is not traversable and" \
      "setpriv could not grant CAP_DAC_READ_SEARCH). Run as a non-root user, move the checkout," \
      "or set DATABASE_URL to an existing server."
  fi
}

# fd 9 is the services.lock flock: never let it leak into daemons (they would hold the lock).
as_pg() { (cd / && "${PG_AS[@]}" "$@" 9>&-); }

# pid of our running postmaster, or nothing
pg_pid() {
  local pid
  [[ -f "$PG_DATA/postmaster.pid" ]] || return 1
  pid="$(sed -n 1p "$PG_DATA/postmaster.pid" 2>/dev/null)"
  pid_matches "$pid" "-D $PG_DATA" || return 1 # ours: its command line names our data dir
  printf '%s\n' "$pid"
}
pg_port() { sed -n 4p "$PG_DATA/postmaster.pid" 2>/dev/null; }

pg_password() {
  if [[ ! -s "$PG_PASSWORD_FILE" ]]; then
    (umask 077 && od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"$PG_PASSWORD_FILE")
  fi
  chmod 600 "$PG_PASSWORD_FILE"
  cat "$PG_PASSWORD_FILE"
}

# Run SQL in single-user mode (server must be stopped). Input via stdin, so no secret is ever on a
# command line.
pg_single_user() {
  local out
  out="$(printf '%s\n' "$1" | as_pg "$PG_BIN/postgres" --single -D "$PG_DATA" postgres 2>&1)" ||
    die "postgres --single failed: $out"
  if grep -q 'ERROR:' <<<"$out"; then
    die "bootstrap SQL failed: $(grep 'ERROR:' <<<"$out")"
  fi
}

pg_init() {
  mkdir -p "$PG_DATA"
  chmod 700 "$PG_DATA"
  [[ "$(id -u)" == 0 ]] && chown postgres:postgres "$PG_DATA"
  setup_pg_runner
  local password
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    log "initialising PostgreSQL cluster in $PG_DATA ($PG_BIN)"
    rm -f "$PG_PASSWORD_FILE"
    # auth=trust only for the initdb step; pg_hba.conf is replaced below before the first start.
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 --no-locale \
      --no-instructions >>"$PG_LOG.init" 2>&1 || {
      log_tail "$PG_LOG.init"
      die "initdb failed"
    }
    cat >>"$PG_DATA/postgresql.conf" <<'EOF'

# ---- driftwatch local dev/test instance (scripts/services.sh) ----
# TCP on loopback only; no Unix socket. The port is passed on the command line by services.sh.
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
password_encryption = 'scram-sha-256'
max_connections = 200
# Durability is deliberately off: this instance holds disposable local dev/test data only.
# Never copy these settings to a real deployment.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    cat >"$PG_DATA/pg_hba.conf" <<'EOF'
# driftwatch local instance: only the driftwatch role, only over loopback TCP, password (SCRAM).
# The postgres superuser has no password and therefore cannot log in at all.
# TYPE  DATABASE  USER        ADDRESS        METHOD
host    all       driftwatch  127.0.0.1/32   scram-sha-256
EOF
    password="$(pg_password)"
    # CREATEDB: integration tests create one database per test file.
    pg_single_user "CREATE ROLE driftwatch LOGIN CREATEDB PASSWORD '$password';
CREATE DATABASE driftwatch OWNER driftwatch;"
  elif [[ ! -s "$PG_PASSWORD_FILE" ]]; then
    log "password file missing; setting a new password for role driftwatch"
    password="$(pg_password)"
    pg_single_user "ALTER ROLE driftwatch PASSWORD '$password';"
  fi
}

pg_start() {
  local pid port
  if pid="$(pg_pid)"; then
    port="$(pg_port)"
    log "postgres already running (pid $pid, 127.0.0.1:$port)"
    pg_wait "$port"
    PG_PORT="$port"
    return 0
  fi
  pg_init
  : >>"$PG_LOG"
  [[ "$(id -u)" == 0 ]] && chown postgres:postgres "$PG_LOG"
  local attempt next="$PG_DEFAULT_PORT" before
  for attempt in 1 2 3 4 5; do
    port="$(pick_port "$next")"
    before="$(wc -l <"$PG_LOG")"
    log "starting postgres on 127.0.0.1:$port (log: .run/postgres.log)"
    if as_pg "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t "$WAIT_SECONDS" -s \
      -o "-p $port" </dev/null; then
      pg_wait "$port"
      PG_PORT="$port"
      return 0
    fi
    if tail -n "+$((before + 1))" "$PG_LOG" | grep -qiE 'could not bind|address already in use'; then
      warn "port $port was taken meanwhile (another instance?); retrying (attempt $attempt)"
      next=$((port + 1))
      continue
    fi
    log_tail "$PG_LOG"
    die "PostgreSQL failed to start"
  done
  log_tail "$PG_LOG"
  die "PostgreSQL failed to start: no usable port"
}

pg_wait() {
  local port="$1" deadline=$((SECONDS + WAIT_SECONDS))
  [[ -n "$PG_BIN" ]] || PG_BIN="$(pg_bin_dir)"
  until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 2 -U driftwatch -d driftwatch; do
    if ((SECONDS >= deadline)); then
      log_tail "$PG_LOG"
      die "PostgreSQL on 127.0.0.1:$port not accepting connections after ${WAIT_SECONDS}s"
    fi
    sleep 0.5
  done
}

pg_stop() {
  local pid
  if ! pid="$(pg_pid)"; then
    log "postgres not running"
    return 0
  fi
  log "stopping postgres (pid $pid)"
  PG_BIN="$(pg_bin_dir)" || true
  if [[ -n "$PG_BIN" ]] && { [[ "$(id -u)" != 0 ]] || setup_pg_runner; }; then
    as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t "$WAIT_SECONDS" -s || true
  fi
  # Fallback (binaries gone or pg_ctl failed): SIGINT is PostgreSQL's "fast" shutdown.
  if pid_matches "$pid" "-D $PG_DATA"; then
    kill -INT "$pid" 2>/dev/null || true
    wait_gone "$pid" 30 || kill -KILL "$pid" 2>/dev/null || true
  fi
}

# ---------------------------------------------------------------------------------------------
# Redis

redis_pid() {
  local pid
  [[ -f "$REDIS_PID" ]] || return 1
  pid="$(tr -d ' \n' <"$REDIS_PID" 2>/dev/null)"
  # ours: redis sets its title to "redis-server 127.0.0.1:<port>" (port from .run/redis.port)
  pid_matches "$pid" "redis-server 127.0.0.1:$(cat "$REDIS_PORT_FILE" 2>/dev/null)" || return 1
  printf '%s\n' "$pid"
}

# Ready = answers on the port AND the answering server is our process (not another clone's).
redis_ready() {
  local port="$1" pid="$2"
  redis-cli -h 127.0.0.1 -p "$port" info server 2>/dev/null | tr -d '\r' | grep -qx "process_id:$pid"
}

redis_start() {
  local pid port
  if pid="$(redis_pid)"; then
    port="$(cat "$REDIS_PORT_FILE")"
    log "redis already running (pid $pid, 127.0.0.1:$port)"
    redis_wait "$port"
    REDIS_PORT="$port"
    return 0
  fi
  rm -f "$REDIS_PID"
  mkdir -p "$REDIS_DIR"
  : >>"$REDIS_LOG"
  local attempt next="$REDIS_DEFAULT_PORT" before deadline
  for attempt in 1 2 3 4 5; do
    port="$(pick_port "$next")"
    printf '%s\n' "$port" >"$REDIS_PORT_FILE"
    before="$(wc -l <"$REDIS_LOG")"
    log "starting redis on 127.0.0.1:$port (log: .run/redis.log)"
    # Cache/queue data for local dev/test only: no RDB snapshots, no AOF (--save '' --appendonly no).
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --protected-mode yes \
      --dir "$REDIS_DIR" --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" \
      --save '' --appendonly no </dev/null >/dev/null 2>&1 9>&- || true
    deadline=$((SECONDS + WAIT_SECONDS))
    while ((SECONDS < deadline)); do
      if pid="$(redis_pid)"; then
        redis_wait "$port"
        REDIS_PORT="$port"
        return 0
      fi
      # The pid file is written only after the listener is bound; a bind failure ends the process.
      if tail -n "+$((before + 1))" "$REDIS_LOG" | grep -qiE 'already in use|aborting'; then
        break
      fi
      sleep 0.2
    done
    if tail -n "+$((before + 1))" "$REDIS_LOG" | grep -qi 'already in use'; then
      warn "port $port was taken meanwhile (another instance?); retrying (attempt $attempt)"
      next=$((port + 1))
      continue
    fi
    log_tail "$REDIS_LOG"
    die "Redis failed to start"
  done
  log_tail "$REDIS_LOG"
  die "Redis failed to start: no usable port"
}

redis_wait() {
  local port="$1" pid deadline=$((SECONDS + WAIT_SECONDS))
  pid="$(redis_pid)" || {
    log_tail "$REDIS_LOG"
    die "redis exited"
  }
  until redis_ready "$port" "$pid"; do
    if ((SECONDS >= deadline)); then
      log_tail "$REDIS_LOG"
      die "Redis on 127.0.0.1:$port not answering (pid $pid) after ${WAIT_SECONDS}s"
    fi
    sleep 0.2
  done
}

redis_stop() {
  local pid
  if ! pid="$(redis_pid)"; then
    log "redis not running"
    rm -f "$REDIS_PID"
    return 0
  fi
  log "stopping redis (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  wait_gone "$pid" 15 || kill -KILL "$pid" 2>/dev/null || true
  rm -f "$REDIS_PID"
}

wait_gone() {
  local pid="$1" seconds="$2" deadline
  deadline=$((SECONDS + seconds))
  while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------

mask() { sed -E 's#(://[^:/@]+:)[^@]*@#\1****@#'; }

write_env() {
  local tmp
  tmp="$(mktemp "$RUN_DIR/services.env.XXXXXX")" # created 0600: it holds the DB password
  {
    printf '# Written by scripts/services.sh for this checkout. Usage: source .run/services.env\n'
    if [[ -n "${PG_PORT:-}" ]]; then
      printf 'export DATABASE_URL=postgres://driftwatch:%s@127.0.0.1:%s/driftwatch\n' \
        "$(cat "$PG_PASSWORD_FILE")" "$PG_PORT"
    else
      printf '# DATABASE_URL: provided by the environment, local PostgreSQL not started\n'
    fi
    if [[ -n "${REDIS_PORT:-}" ]]; then
      printf 'export REDIS_URL=redis://127.0.0.1:%s\n' "$REDIS_PORT"
    else
      printf '# REDIS_URL: provided by the environment, local Redis not started\n'
    fi
  } >"$tmp"
  mv -f "$tmp" "$SERVICES_ENV"
  log "wrote .run/services.env:"
  grep '^export' "$SERVICES_ENV" | mask | sed 's/^/    /' >&2 || true
}

lock() {
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/services.lock"
  flock -w 300 9 || die "timed out waiting for another scripts/services.sh (lock .run/services.lock)"
}

# Is the URL one this checkout's own services serve? A shell that sourced .run/services.env has
# them in its environment; they are not "another server", and treating them so would rewrite
# services.env without them. Ours: PostgreSQL with our generated password on loopback, Redis on
# loopback at the port recorded in .run/redis.port.
own_database_url() {
  [[ -s "$PG_PASSWORD_FILE" ]] || return 1
  [[ "$1" == "postgres://driftwatch:$(cat "$PG_PASSWORD_FILE")@127.0.0.1:"*"/driftwatch" ]]
}
own_redis_url() {
  [[ -s "$REDIS_PORT_FILE" ]] || return 1
  [[ "$1" == "redis://127.0.0.1:$(tr -d ' \n' <"$REDIS_PORT_FILE")" ]]
}

cmd_start() {
  ensure_tools
  lock
  PG_PORT=''
  REDIS_PORT=''
  if [[ -n "${DATABASE_URL:-}" ]] && ! own_database_url "$DATABASE_URL"; then
    log "DATABASE_URL is set; not starting local PostgreSQL"
  else
    pg_start
  fi
  if [[ -n "${REDIS_URL:-}" ]] && ! own_redis_url "$REDIS_URL"; then
    log "REDIS_URL is set; not starting local Redis"
  else
    redis_start
  fi
  write_env
}

cmd_stop() {
  lock
  pg_stop
  redis_stop
  rm -f "$SERVICES_ENV"
}

cmd_status() {
  local rc=0 pid
  if pid="$(pg_pid)"; then
    printf 'postgres: running  pid %s  127.0.0.1:%s  data .run/postgres\n' "$pid" "$(pg_port)"
  elif [[ -n "${DATABASE_URL:-}" ]]; then
    printf 'postgres: external %s\n' "$(mask <<<"$DATABASE_URL")"
  else
    printf 'postgres: stopped\n'
    rc=3
  fi
  if pid="$(redis_pid)"; then
    printf 'redis:    running  pid %s  127.0.0.1:%s  data .run/redis\n' "$pid" "$(cat "$REDIS_PORT_FILE" 2>/dev/null)"
  elif [[ -n "${REDIS_URL:-}" ]]; then
    printf 'redis:    external %s\n' "$(mask <<<"$REDIS_URL")"
  else
    printf 'redis:    stopped\n'
    rc=3
  fi
  if [[ -f "$SERVICES_ENV" ]]; then
    printf 'env:      .run/services.env\n'
    grep '^export' "$SERVICES_ENV" | mask | sed 's/^/    /' || true
  fi
  return "$rc"
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
*)
  printf 'usage: %s start|stop|status\n' "$0" >&2
  exit 2
  ;;
esac
