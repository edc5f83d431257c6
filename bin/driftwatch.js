#!/usr/bin/env node
// The installed `driftwatch` command: the built CLI (npm run build).
require('../dist/apps/cli/main.js');
