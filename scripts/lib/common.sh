# shellcheck shell=bash
# Shared helpers for scripts/*.sh. Source it; it sets ROOT and RUN_DIR and cds nowhere.
# Callers use `set -euo pipefail`.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
RUN_DIR="$ROOT/.run"
SERVICES_ENV="$RUN_DIR/services.env"
export ROOT RUN_DIR SERVICES_ENV

log() { printf '[driftwatch] %s\n' "$*" >&2; }
warn() { printf '[driftwatch] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[driftwatch] ERROR: %s\n' "$*" >&2
  exit 1
}

# Highest-versioned Debian PostgreSQL server bin dir (/usr/lib/postgresql/<major>/bin), or nothing.
pg_bin_dir() {
  local dir best='' best_major=-1 major
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]] || continue
    major="${dir#/usr/lib/postgresql/}"
    major="${major%%/*}"
    major="${major%%.*}"
    [[ "$major" =~ ^[0-9]+$ ]] || continue
    if ((major > best_major)); then
      best_major=$major
      best=$dir
    fi
  done
  [[ -n "$best" ]] && printf '%s\n' "$best"
}

# ensure_tools [docker-compose] [test-services] [ndiff] [lab]
# test-services: the real services the end-to-end tests start on loopback (sshd, openssl).
# ndiff: nmap's own scan-diff tool, the oracle of the drift parity suite.
# lab: the multi-zone network lab (test/lab/lab.sh): ip (iproute2), iptables, and sshd, python3
# and openssl for the services inside the zones.
# Checks for the binaries the project needs. PostgreSQL / Redis servers are only required when
# DATABASE_URL / REDIS_URL are not provided. As root, missing Debian packages are installed with
# apt-get (apt-get update only if the first install attempt fails); otherwise prints the packages
# to install and exits 1.
# shellcheck disable=SC2120 # the argument is optional
ensure_tools() {
  local want_compose=0 want_test_services=0 want_ndiff=0 want_lab=0 arg
  for arg in "$@"; do
    [[ "$arg" == docker-compose ]] && want_compose=1
    [[ "$arg" == test-services ]] && want_test_services=1
    [[ "$arg" == ndiff ]] && want_ndiff=1
    [[ "$arg" == lab ]] && want_lab=1
  done
  local -a pkgs=()
  if [[ -z "${DATABASE_URL:-}" ]] && { [[ -z "$(pg_bin_dir)" ]] || ! id postgres >/dev/null 2>&1; }; then
    pkgs+=(postgresql)
  fi
  if [[ -z "${REDIS_URL:-}" ]] && ! { command -v redis-server && command -v redis-cli; } >/dev/null 2>&1; then
    pkgs+=(redis-server)
  fi
  command -v nmap >/dev/null 2>&1 || pkgs+=(nmap)
  if ((want_compose)) && ! command -v docker-compose >/dev/null 2>&1; then
    pkgs+=(docker-compose)
  fi
  if ((want_test_services)); then
    [[ -x /usr/sbin/sshd ]] || pkgs+=(openssh-server)
    command -v openssl >/dev/null 2>&1 || pkgs+=(openssl)
  fi
  if ((want_ndiff)) && ! command -v ndiff >/dev/null 2>&1; then
    pkgs+=(ndiff)
  fi
  if ((want_lab)); then
    # /usr/sbin is not on every non-root PATH
    command -v ip >/dev/null 2>&1 || [[ -x /usr/sbin/ip || -x /usr/bin/ip ]] || pkgs+=(iproute2)
    command -v iptables >/dev/null 2>&1 || [[ -x /usr/sbin/iptables ]] || pkgs+=(iptables)
    # config snapshots collect `nft -j list ruleset` from rules a test installs in its namespace
    command -v nft >/dev/null 2>&1 || [[ -x /usr/sbin/nft ]] || pkgs+=(nftables)
    # test-services may already have asked for openssh-server and openssl
    [[ -x /usr/sbin/sshd ]] || ((want_test_services)) || pkgs+=(openssh-server)
    command -v openssl >/dev/null 2>&1 || ((want_test_services)) || pkgs+=(openssl)
    command -v python3 >/dev/null 2>&1 || pkgs+=(python3)
  fi
  ((${#pkgs[@]} == 0)) && return 0

  if [[ "$(id -u)" != 0 ]]; then
    {
      printf '[driftwatch] ERROR: missing required tools. Install these Debian packages:\n'
      printf '    sudo apt-get install -y %s\n' "${pkgs[*]}"
      printf '  (or set DATABASE_URL / REDIS_URL to use existing PostgreSQL / Redis servers)\n'
    } >&2
    exit 1
  fi
  command -v apt-get >/dev/null 2>&1 || die "missing Debian packages (${pkgs[*]}) and apt-get is not available"
  log "installing Debian packages: ${pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y "${pkgs[@]}" </dev/null; then
    log "apt-get install failed; running apt-get update and retrying"
    apt-get update </dev/null || warn "apt-get update failed"
    apt-get install -y "${pkgs[@]}" </dev/null || die "apt-get install ${pkgs[*]} failed"
  fi
  if [[ -z "${DATABASE_URL:-}" && -z "$(pg_bin_dir)" ]]; then
    die "PostgreSQL server binaries still not found under /usr/lib/postgresql/*/bin"
  fi
}

# Does node_modules match package-lock.json? npm writes package-lock.json a moment after
# node_modules/.package-lock.json, so "lock newer than the hidden lock" alone is not proof of
# drift: compare the locked versions (optional packages for other platforms may be absent).
node_modules_in_sync() {
  (cd "$ROOT" && node -e '
    const lock = require("./package-lock.json").packages || {};
    const hidden = require("./node_modules/.package-lock.json").packages || {};
    for (const [path, entry] of Object.entries(lock)) {
      if (!path.startsWith("node_modules/") || entry.link) continue;
      const installed = hidden[path];
      if (installed ? installed.version !== entry.version : !entry.optional) process.exit(1);
    }
  ' 2>/dev/null)
}

# Run `npm ci` when node_modules is missing or package-lock.json changed since the install.
ensure_node_modules() {
  local marker="$ROOT/node_modules/.package-lock.json"
  if [[ -d "$ROOT/node_modules" && -f "$marker" ]]; then
    [[ "$ROOT/package-lock.json" -nt "$marker" ]] || return 0
    node_modules_in_sync && return 0
  fi
  log "installing npm dependencies (npm ci)"
  (cd "$ROOT" && npm ci --no-audit --no-fund </dev/null) ||
    die "npm ci failed (if it reports package.json and package-lock.json out of sync, the lock file must be regenerated: npm install --package-lock-only)"
  touch "$marker"
}

# Export DATABASE_URL / REDIS_URL from .run/services.env, keeping any value already set in the
# environment (an externally provided URL always wins).
load_services_env() {
  local keep_db="${DATABASE_URL:-}" keep_redis="${REDIS_URL:-}"
  if [[ -f "$SERVICES_ENV" ]]; then
    # shellcheck source=/dev/null
    source "$SERVICES_ENV"
  fi
  [[ -n "$keep_db" ]] && DATABASE_URL="$keep_db"
  [[ -n "$keep_redis" ]] && REDIS_URL="$keep_redis"
  [[ -n "${DATABASE_URL:-}" ]] || die "DATABASE_URL is not set and $SERVICES_ENV does not define it"
  [[ -n "${REDIS_URL:-}" ]] || die "REDIS_URL is not set and $SERVICES_ENV does not define it"
  export DATABASE_URL REDIS_URL
}

# Start local services (unless both URLs are provided) and export their URLs.
ensure_services() {
  if [[ -z "${DATABASE_URL:-}" || -z "${REDIS_URL:-}" ]]; then
    bash "$ROOT/scripts/services.sh" start || die "scripts/services.sh start failed"
  fi
  load_services_env
}

# is_stale <artifact> : true when the artifact is missing or older than any build input.
is_stale() {
  local artifact="$1"
  [[ -f "$artifact" ]] || return 0
  local newer
  newer="$(
    cd "$ROOT" || exit 0
    find apps libs migrations policies tsconfig.json nest-cli.json package-lock.json \
      -type f -newer "$artifact" -print -quit 2>/dev/null
  )" || true
  [[ -n "$newer" ]]
}

# build_if_stale <app> : nest build of one app when dist/apps/<app>/main.js is stale.
build_if_stale() {
  local app="$1"
  if is_stale "$ROOT/dist/apps/$app/main.js"; then
    log "building $app (dist/apps/$app/main.js missing or older than sources)"
    (cd "$ROOT" && npx --no-install nest build "$app") || die "nest build $app failed"
  fi
}

# Is <pid> alive and does its command line contain <needle>? (guards against recycled pids)
pid_matches() {
  local pid="$1" needle="$2" cmd
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || [[ -d "/proc/$pid" ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 0
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmd" == *"$needle"* ]]
}

# Step timing for test scripts. Note: a step runs in an `||` context, where `set -e` is
# suspended, so the helpers above return/die explicitly on failure.
declare -a _STEP_TIMES=()
run_step() {
  local name="$1" start rc=0
  shift
  start=$SECONDS
  log "==> $name"
  "$@" || rc=$?
  _STEP_TIMES+=("$(printf '%-34s %5ss %s' "$name" "$((SECONDS - start))" "$([[ $rc == 0 ]] && echo ok || echo "FAILED (exit $rc)")")")
  ((rc == 0)) || exit "$rc" # callers print the timings from an EXIT trap
}
print_step_times() {
  ((${#_STEP_TIMES[@]})) || return 0
  printf '[driftwatch] step timings:\n' >&2
  printf '    %s\n' "${_STEP_TIMES[@]}" >&2
}
