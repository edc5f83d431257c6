#!/usr/bin/env bash
# npm run migration:run: apply database migrations with the CLI (local services unless
# DATABASE_URL / REDIS_URL are set). Extra arguments go to the CLI's migrate command.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ROOT"

ensure_node_modules
ensure_tools
ensure_services
build_if_stale cli
exec node dist/apps/cli/main.js migrate "$@"
