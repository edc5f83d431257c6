'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node without a build */
// Helpers for benches that run the real API process: the local services, a free port, waiting
// for /health, and a process's peak memory.
const { execFileSync, spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
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

/**
 * The real API (dist/apps/api/main.js) on a database of its own, migrated, with an admin key and a
 * Redis prefix of its own; rate limits off (a bench measures the API, not its limiter).
 * `stop()` ends the process and drops the database.
 */
async function startBenchApi(root, { dbPrefix, allowedNetworks }) {
  const { Client } = require('pg');
  const services = servicesEnv(root);
  const dbName = `${dbPrefix}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: services.DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(services.DATABASE_URL);
  dbUrl.pathname = `/${dbName}`;
  const port = await freePort();
  const env = {
    // eslint-disable-next-line no-restricted-properties -- a bench script, not the app: the children need PATH
    ...process.env,
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL: services.REDIS_URL,
    REDIS_PREFIX: `dwbench-${randomBytes(4).toString('hex')}`,
    SCAN_ALLOWED_NETWORKS: allowedNetworks,
    API_RATE_LIMIT_PER_MINUTE: '0',
    API_RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0',
    PORT: String(port),
    LOG_LEVEL: 'warn',
  };
  const cli = (...args) =>
    execFileSync('node', [path.join(root, 'dist/apps/cli/main.js'), ...args], { env, cwd: root });
  const db = new Client({ connectionString: dbUrl.toString() });
  let api;
  const stop = async () => {
    if (api && api.exitCode === null) {
      api.kill('SIGTERM');
      await new Promise((r) => api.once('close', r));
    }
    await db.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  };
  try {
    cli('migrate');
    const key = JSON.parse(
      cli('api-keys', 'create', '--name', 'bench', '--role', 'admin', '--json').toString(),
    ).secret;
    api = spawn('node', [path.join(root, 'dist/apps/api/main.js')], {
      env,
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}`;
    await waitForHealth(base, api);
    await db.connect();
    return { api, base, db, dbUrl: dbUrl.toString(), key, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

module.exports = { freePort, peakMb, servicesEnv, startBenchApi, waitForHealth };
