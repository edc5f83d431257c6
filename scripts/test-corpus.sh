#!/usr/bin/env bash
# npm run test:corpus: the recorded nmap corpus suite. Extra arguments go to jest.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ROOT"

trap print_step_times EXIT

run_step "npm dependencies" ensure_node_modules
# ndiff (nmap's scan-diff tool) is the oracle of the drift parity suite, which also runs the built CLI.
run_step "tools (pg, redis, nmap, ndiff)" ensure_tools ndiff
run_step "services" ensure_services
run_step "build cli" build_if_stale cli
run_step "jest corpus" npx --no-install jest --selectProjects corpus --ci "$@"
