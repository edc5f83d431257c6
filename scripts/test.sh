#!/usr/bin/env bash
# npm test: the whole gate, fail-fast, against real PostgreSQL, Redis and nmap.
# Extra arguments go to jest (npm test -- -t 'drift').
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ROOT"

trap print_step_times EXIT

run_step "npm dependencies" ensure_node_modules
run_step "tools (pg, redis, nmap, compose, sshd, openssl, lab)" ensure_tools docker-compose test-services lab
run_step "services" ensure_services
run_step "lint" npm run -s lint
run_step "typecheck" npm run -s typecheck
run_step "build" npm run -s build
# Every rule of the shipped pack against its must-fail and must-pass fixtures, as `opa test` does.
run_step "policy test (shipped pack)" node dist/apps/cli/main.js policy test policies/pci-dss-v4
run_step "jest unit + integration" npx --no-install jest --selectProjects unit integration --ci "$@"
