#!/usr/bin/env bash
# npm run test:corpus: the recorded nmap corpus suite. Extra arguments go to jest.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ROOT"

trap print_step_times EXIT

run_step "npm dependencies" ensure_node_modules
run_step "tools (pg, redis, nmap)" ensure_tools
run_step "services" ensure_services
run_step "jest corpus" npx --no-install jest --selectProjects corpus --ci "$@"
