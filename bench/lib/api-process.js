'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node without a build */
// Helpers for benches that run the real API process: the local services, a free port, waiting
// for /health, and a process's peak memory.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

/** Starts PostgreSQL and Redis if needed (scripts/services.sh) and returns their URLs. */
function servicesEnv(root) {
  execFileSync('bash', [path.join(root, 'scripts/services.sh'), 'start'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const text = fs.readFileSync(path.join(root, '.run/services.env'), 'utf8');
  const env = {};
  for (const m of text.matchAll(/^export (\w+)=(.*)$/gm)) env[m[1]] = m[2].replace(/^'|'$/g, '');
  return env;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(base, child) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`the API exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the API did not become healthy within 60 s');
}

/** Peak resident memory of a process so far (VmHWM), in MB. */
function peakMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

module.exports = { freePort, peakMb, servicesEnv, waitForHealth };
