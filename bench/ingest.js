'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node without a build */
// bench/ingest: parse + store + diff of a 65,536-host snapshot through the real import path
// (POST /api/v1/scopes/{id}/snapshots with nmap XML) into PostgreSQL, then an unchanged rescan of
// it, then a rescan with ~2% of hosts changed. Prints each wall time, the rows each one added
// and the API process's peak memory. Target: the first import under 30 s on 2 cores; the
// unchanged rescan adds under 1% of the first one's rows.
//
//   node bench/ingest.js [--hosts N] [--dir DIR]
//
// Needs the build (npm run build) and the services (bash scripts/services.sh start); it makes
// its own database and Redis prefix and removes them afterwards. Nothing is scanned.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { peakMb, startBenchApi } = require('./lib/api-process');
const { generateScanPair } = require('./lib/generate-scans');

const ROOT = path.resolve(__dirname, '..');
const TARGET_SECONDS = 30;

function parseArgs(argv) {
  const options = { hosts: 65536, dir: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--dir') options.dir = argv[++i];
    else if (arg === '--hosts') options.hosts = Number(argv[++i]);
    else throw new Error(`unknown argument ${arg} (usage: node bench/ingest.js [--hosts N] [--dir DIR])`);
  }
  if (!Number.isInteger(options.hosts) || options.hosts < 1 || options.hosts > 65536) {
    throw new Error('--hosts must be an integer from 1 to 65536');
  }
  return options;
}

async function rowCounts(db) {
  const { rows } = await db.query(`SELECT
    (SELECT count(*) FROM snapshots)::int AS snapshots,
    (SELECT count(*) FROM host_observations)::int AS host_intervals,
    (SELECT count(*) FROM observations)::int AS port_intervals,
    (SELECT count(*) FROM changes)::int AS changes,
    pg_database_size(current_database())::bigint AS bytes`);
  return rows[0];
}
const totalRows = (c) => c.snapshots + c.host_intervals + c.port_intervals + c.changes;

async function main() {
  const options = parseArgs(process.argv.slice(2));
  for (const app of ['api', 'cli']) {
    if (!fs.existsSync(path.join(ROOT, `dist/apps/${app}/main.js`)))
      throw new Error('build first: npm run build');
  }
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'dw-ingest-'));
  fs.mkdirSync(dir, { recursive: true });
  const oldXml = path.join(dir, 'old.xml');
  const newXml = path.join(dir, 'new.xml');
  if (!fs.existsSync(oldXml) || !fs.existsSync(newXml)) {
    process.stderr.write(`generating a pair of ${options.hosts}-address scans in ${dir}\n`);
    generateScanPair(oldXml, newXml, { hosts: options.hosts });
  }

  const { api, base, db, key, stop } = await startBenchApi(ROOT, {
    dbPrefix: 'dw_bench',
    allowedNetworks: '10.20.0.0/16',
  });
  try {
    const auth = { Authorization: `Bearer ${key}` };
    const scope = await (
      await fetch(`${base}/api/v1/scopes`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'bench', targets: ['10.20.0.0/16'], ports: ['1-65535'] }),
      })
    ).json();
    if (!scope.id) throw new Error(`could not create the scope: ${JSON.stringify(scope)}`);

    const ingest = async (label, file) => {
      const before = await rowCounts(db);
      const body = fs.readFileSync(file);
      const started = process.hrtime.bigint();
      const res = await fetch(`${base}/api/v1/scopes/${scope.id}/snapshots`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/xml' },
        body,
      });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const result = await res.json();
      if (res.status !== 201) throw new Error(`${label}: HTTP ${res.status} ${JSON.stringify(result)}`);
      const after = await rowCounts(db);
      const added = totalRows(after) - totalRows(before);
      const row = {
        label,
        mb: body.length / 1e6,
        hosts: result.hosts,
        seconds,
        rowsAdded: added,
        hostIntervals: after.host_intervals - before.host_intervals,
        portIntervals: after.port_intervals - before.port_intervals,
        changes: after.changes - before.changes,
        dbMbAdded: Number(after.bytes - before.bytes) / 1e6,
        apiPeakMb: peakMb(api.pid),
      };
      process.stdout.write(
        `${label.padEnd(22)} ${row.mb.toFixed(1)} MB XML, ${row.hosts} hosts: ${seconds.toFixed(2)} s, ` +
          `${added} rows added (${row.hostIntervals} host intervals, ${row.portIntervals} port intervals, ` +
          `${row.changes} changes), database +${row.dbMbAdded.toFixed(1)} MB, API peak RSS ${row.apiPeakMb.toFixed(0)} MB\n`,
      );
      return row;
    };

    const first = await ingest('first snapshot', oldXml);
    const same = await ingest('unchanged rescan', oldXml);
    const changed = await ingest('rescan, ~2% changed', newXml);
    const share = (same.rowsAdded / first.rowsAdded) * 100;
    process.stdout.write(
      `\nfirst snapshot: ${first.seconds.toFixed(2)} s (target < ${TARGET_SECONDS} s: ${first.seconds < TARGET_SECONDS ? 'met' : 'NOT met'})\n` +
        `unchanged rescan added ${same.rowsAdded} rows = ${share.toFixed(4)}% of the first snapshot's ${first.rowsAdded} ` +
        `(target < 1%: ${share < 1 ? 'met' : 'NOT met'})\n` +
        `changed rescan: ${changed.seconds.toFixed(2)} s, ${changed.changes} changes stored\n`,
    );
    process.exitCode = first.seconds < TARGET_SECONDS && share < 1 ? 0 : 1;
  } finally {
    await stop();
    if (!options.dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench/ingest: ${error.stack ?? error}\n`);
  process.exitCode = 2;
});
