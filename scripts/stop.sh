#!/usr/bin/env bash
# npm stop: stops the app started by npm start (TERM, up to 15 s, then KILL), then the local
# services. Idempotent.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ROOT"

PID_FILE="$RUN_DIR/driftwatch.pid"

if [[ -f "$PID_FILE" ]]; then
  pid="$(tr -d ' \n' <"$PID_FILE")"
  if pid_matches "$pid" "dist/apps/standalone/main.js"; then
    log "stopping driftwatch (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 75); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      warn "driftwatch (pid $pid) did not exit within 15 s; sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  else
    log "driftwatch not running (stale pid file)"
  fi
  rm -f "$PID_FILE"
else
  log "driftwatch not running"
fi

bash "$ROOT/scripts/services.sh" stop
