#!/usr/bin/env bash
# npm start: single-machine mode. Ensures dependencies and local services, builds the standalone
# app when stale, then runs it in the foreground (pid in .run/driftwatch.pid; stop with npm stop).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ROOT"

PID_FILE="$RUN_DIR/driftwatch.pid"
APP_MAIN="dist/apps/standalone/main.js"

if [[ -f "$PID_FILE" ]] && pid_matches "$(cat "$PID_FILE")" "$APP_MAIN"; then
  die "driftwatch is already running (pid $(cat "$PID_FILE")); use npm stop first"
fi

ensure_node_modules
ensure_tools
ensure_services
build_if_stale standalone

mkdir -p "$RUN_DIR"
echo $$ >"$PID_FILE"
log "starting driftwatch standalone (pid $$)"
# exec keeps the pid: the recorded pid is the node process itself.
exec node "$APP_MAIN" "$@"
