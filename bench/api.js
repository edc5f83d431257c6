'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node without a build */
// bench/api: the findings list under load. Seeds 1,000,000 findings across several scopes and
// severities, and a baseline per scope, into its own database, starts the real API
// (dist/apps/api/main.js), and runs autocannon against
// GET /api/v1/findings?scope=<id>&severity=high&limit=100 (the first page, then the second page
// through its cursor). Prints p50, p99, requests/s, errors and non-2xx responses of each run, the
// CPU milliseconds each request cost the API, PostgreSQL and autocannon (they share the cores),
// whether the targets are met (p99 < 50 ms and >= 1,000 requests/s on 2 cores), the query plan
// of the page, and the API process's peak RSS. Then the same loads against a reference measured
// in the same run: bench/lib/bare-findings-server.js, the API's own statements and JSON writer on
// bare node:http + pg (it must send the same bytes), and the API's share of its requests/s.
// Targets are reported, not asserted; exits 1 when a request failed (error or non-2xx), 2 on
// errors.
//
//   node bench/api.js [--findings N] [--scopes N] [--duration S] [--connections N]
//
// --findings N     findings to seed (default 1,000,000)
// --scopes N       scopes they are spread over (default 5)
// --duration S     seconds per load run, after a 3 s warm-up (default 20)
// --connections N  concurrent connections (default 20)
//
// Needs the build (npm run build); starts PostgreSQL and Redis with scripts/services.sh if they
// are not running. It makes its own database and Redis prefix and removes them afterwards.
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const autocannon = require('autocannon');
const { freePort, peakMb, startBenchApi } = require('./lib/api-process');
const { cpuDuring } = require('./lib/cpu');

const ROOT = path.resolve(__dirname, '..');
const USAGE = 'usage: node bench/api.js [--findings N] [--scopes N] [--duration S] [--connections N]';
const TARGET_P99_MS = 50;
const TARGET_RPS = 1000;
const LIMIT = 100;

function parseArgs(argv) {
  const options = { findings: 1_000_000, scopes: 5, duration: 20, connections: 20 };
  const integer = (flag, value, min, max) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`${flag} must be an integer from ${min} to ${max.toLocaleString('en')} (${USAGE})`);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--findings') options.findings = integer(arg, argv[++i], 1000, 20_000_000);
    else if (arg === '--scopes') options.scopes = integer(arg, argv[++i], 1, 100);
    else if (arg === '--duration') options.duration = integer(arg, argv[++i], 1, 600);
    else if (arg === '--connections') options.connections = integer(arg, argv[++i], 1, 1000);
    else throw new Error(`unknown argument ${arg} (${USAGE})`);
  }
  return options;
}

/** One small nmap XML document for a scope's network: the snapshot the seeded findings point at. */
function nmapXml(address) {
  return `<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap -p 22 ${address}" start="1790000000" version="7.93" xmloutputversion="1.05">
<host><status state="up" reason="syn-ack"/><address addr="${address}" addrtype="ipv4"/>
<ports><port protocol="tcp" portid="22"><state state="open" reason="syn-ack"/><service name="ssh"/></port></ports></host>
<runstats><finished time="1790000010" exit="success"/><hosts up="1" down="0" total="1"/></runstats>
</nmaprun>
`;
}

/**
 * The findings, in one INSERT … SELECT generate_series per scope, and a baseline per scope: severities critical 5%,
 * high 20%, medium 35%, low 25%, info 15%; ~70% open; rules, requirements, assets and ports
 * varied; first failure and last sighting spread over 90 days to the microsecond.
 */
async function seed(db, scopes, total) {
  const perScope = Math.ceil(total / scopes.length);
  let seeded = 0;
  for (const [n, { id, snapshotId }] of scopes.entries()) {
    const count = Math.min(perScope, total - seeded);
    await db.query(
      `INSERT INTO findings (scope_id, fingerprint, rule_id, title, requirements, severity, asset, subject, port,
         protocol, message, remediation, evidence, status, first_seen_at, last_seen_at, resolved_at,
         first_snapshot_id, last_snapshot_id, policy_version)
       SELECT $1, encode(sha256(('bench-' || g)::bytea), 'hex'),
         'pci-dss-v4.bench-rule-' || (g % 30), 'Bench rule ' || (g % 30) || ' fails',
         ARRAY['PCI DSS v4.0.1 ' || (ARRAY['1.2.5', '1.2.6', '2.2.7', '4.2.1', '8.4.2'])[1 + g % 5]],
         CASE WHEN r < 0.05 THEN 'critical' WHEN r < 0.25 THEN 'high' WHEN r < 0.60 THEN 'medium'
              WHEN r < 0.85 THEN 'low' ELSE 'info' END,
         '10.' || $2::int || '.' || (g / 256 % 256) || '.' || (g % 256), 'tcp/' || (1 + g % 1024), 1 + g % 1024, 'tcp',
         '10.' || $2::int || '.' || (g / 256 % 256) || '.' || (g % 256) || ' tcp/' || (1 + g % 1024)
           || ' runs a service the policy does not allow in the cardholder data environment',
         'Disable the service or move it out of the CDE',
         jsonb_build_object('port', 1 + g % 1024, 'protocol', 'tcp', 'service', 'bench', 'state', 'open'),
         CASE WHEN g % 10 < 7 THEN 'open' ELSE 'resolved' END,
         t0, t1, CASE WHEN g % 10 < 7 THEN NULL ELSE t1 END,
         $3, $3, 'bench'
       FROM (SELECT g, random() AS r,
                    now() - interval '90 days' * random() - interval '90 days' AS t0,
                    now() - interval '90 days' * random() AS t1
             FROM generate_series(1, $4::int) AS g) AS s`,
      [id, n, snapshotId, count],
    );
    seeded += count;
    // A baseline approved 30 days ago holding what was failing then: about half of the open
    // findings, so a page shows both verdicts, and the verdict reads a set of ~70,000.
    await db.query(
      `INSERT INTO baselines (scope_id, snapshot_id, taken_at, policy_version, fingerprints, created_at)
       SELECT $1, $2, now() - interval '30 days', 'bench', array_agg(fingerprint), now() - interval '30 days'
       FROM findings WHERE scope_id = $1 AND status = 'open' AND first_seen_at < now() - interval '135 days'`,
      [id, snapshotId],
    );
    process.stderr.write(`  seeded ${seeded.toLocaleString('en')} findings and a baseline\n`);
  }
  await db.query('VACUUM ANALYZE findings, baselines, baseline_fingerprints');
}

async function load(label, url, headers, options, serverPid) {
  // A short warm-up, so the run measures a warm server and a warm cache.
  await autocannon({ url, headers, connections: options.connections, duration: 3 });
  const { result, cpu } = await cpuDuring(serverPid, () =>
    autocannon({ url, headers, connections: options.connections, duration: options.duration }),
  );
  const failed = result.errors + result.timeouts + result.non2xx;
  const row = {
    label,
    p50: result.latency.p50,
    p99: result.latency.p99,
    rps: result.requests.average,
    requests: result.requests.total,
    failed,
    mbPerSecond: result.throughput.average / 1e6,
  };
  // CPU milliseconds per request, by process: what a request costs the machine, whoever waits.
  const perRequest = (seconds) => ((seconds * 1000) / Math.max(1, row.requests)).toFixed(2);
  process.stdout.write(
    `${label.padEnd(18)} p50 ${row.p50} ms, p99 ${row.p99} ms, ${row.rps.toFixed(0)} requests/s ` +
      `(${row.requests.toLocaleString('en')} in ${options.duration} s, ${row.mbPerSecond.toFixed(1)} MB/s), ` +
      `errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}\n` +
      `${''.padEnd(18)} CPU ms per request: server ${perRequest(cpu.server)}, ` +
      `PostgreSQL ${perRequest(cpu.postgres)}, autocannon ${perRequest(cpu.loadTool)}\n`,
  );
  return row;
}

/** Starts bench/lib/bare-findings-server.js on the bench database; resolves once it listens. */
async function startBareServer(dbUrl) {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(__dirname, 'lib/bare-findings-server.js')], {
    // eslint-disable-next-line no-restricted-properties -- a bench script, not the app: the child needs PATH
    env: { ...process.env, DATABASE_URL: dbUrl, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the bare server exited with code ${code}`)));
    child.stdout.once('data', resolve);
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('close', resolve);
      child.kill('SIGTERM');
    });
  return { child, base: `http://127.0.0.1:${port}`, stop };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  for (const app of ['api', 'cli']) {
    if (!fs.existsSync(path.join(ROOT, `dist/apps/${app}/main.js`)))
      throw new Error('build first: npm run -s build');
  }
  const { api, base, db, dbUrl, key, stop } = await startBenchApi(ROOT, {
    dbPrefix: 'dw_bench_api',
    allowedNetworks: '10.0.0.0/8',
  });
  try {
    const headers = { Authorization: `Bearer ${key}` };
    const call = async (method, url, body, contentType = 'application/json') => {
      const res = await fetch(`${base}${url}`, {
        method,
        headers: { ...headers, ...(body ? { 'Content-Type': contentType } : {}) },
        body,
      });
      const json = await res.json();
      if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${JSON.stringify(json)}`);
      return json;
    };

    // Scopes and one snapshot each through the API; the findings in SQL (the API has no way to
    // write a million findings quickly, and the list does not care how they were written).
    const scopes = [];
    for (let n = 0; n < options.scopes; n++) {
      const scope = await call(
        'POST',
        '/api/v1/scopes',
        JSON.stringify({ name: `bench-${n}`, targets: [`10.${n}.0.0/16`], ports: [22] }),
      );
      const imported = await call(
        'POST',
        `/api/v1/scopes/${scope.id}/snapshots`,
        nmapXml(`10.${n}.0.1`),
        'application/xml',
      );
      scopes.push({ id: scope.id, snapshotId: imported.snapshotId });
    }
    process.stderr.write(
      `seeding ${options.findings.toLocaleString('en')} findings over ${options.scopes} scopes\n`,
    );
    const seedStarted = process.hrtime.bigint();
    await seed(db, scopes, options.findings);
    const seedSeconds = Number(process.hrtime.bigint() - seedStarted) / 1e9;
    const [{ n: matching }] = (
      await db.query(`SELECT count(*)::int AS n FROM findings WHERE scope_id = $1 AND severity = 'high'`, [
        scopes[0].id,
      ])
    ).rows;
    process.stdout.write(
      `seeded ${options.findings.toLocaleString('en')} findings in ${seedSeconds.toFixed(1)} s; ` +
        `the benched filter (scope 1, severity high) matches ${matching.toLocaleString('en')}\n`,
    );

    // The page's plan, as the repository asks for it.
    const plan = await db.query(
      `EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM findings f WHERE f.scope_id = $1::uuid AND f.severity = 'high'
       ORDER BY f.last_seen_at DESC, f.id DESC LIMIT ${LIMIT + 1}`,
      [scopes[0].id],
    );
    const planLines = plan.rows.map((r) => r['QUERY PLAN']);
    process.stdout.write(
      `plan: ${planLines
        .filter((l) => /Index|Seq Scan|Sort|Execution Time/.test(l))
        .map((l) => l.trim())
        .join(' | ')}\n\n`,
    );

    const firstUrl = `${base}/api/v1/findings?scope=${scopes[0].id}&severity=high&limit=${LIMIT}`;
    const firstPage = await call('GET', firstUrl.slice(base.length));
    if (firstPage.items.length !== LIMIT || !firstPage.nextCursor) {
      throw new Error(`the first page has ${firstPage.items.length} findings and no cursor`);
    }
    const secondUrl = `${firstUrl}&cursor=${firstPage.nextCursor}`;
    const rows = [
      await load('first page', firstUrl, headers, options, api.pid),
      await load('second page', secondUrl, headers, options, api.pid),
    ];
    const apiPeak = peakMb(api.pid);

    // The reference: the same statements and JSON writer on bare node:http + pg, same machine,
    // same run. It must send the very bytes the API sends.
    const bare = await startBareServer(dbUrl);
    let bareRows;
    try {
      const bareUrl = (url) => `${bare.base}${url.slice(base.length)}`;
      const [ours, theirs] = await Promise.all(
        [firstUrl, bareUrl(firstUrl)].map(async (url) => (await fetch(url, { headers })).text()),
      );
      if (ours !== theirs) throw new Error('the bare server does not send what the API sends');
      bareRows = [
        await load('first page, bare', bareUrl(firstUrl), headers, options, bare.child.pid),
        await load('second page, bare', bareUrl(secondUrl), headers, options, bare.child.pid),
      ];
    } finally {
      await bare.stop();
    }
    process.stdout.write('\n');
    for (const row of rows) {
      const p99Met = row.p99 < TARGET_P99_MS;
      const rpsMet = row.rps >= TARGET_RPS;
      process.stdout.write(
        `${row.label}: p99 ${row.p99} ms (target < ${TARGET_P99_MS} ms: ${p99Met ? 'met' : 'NOT MET'}), ` +
          `${row.rps.toFixed(0)} requests/s (target >= ${TARGET_RPS}: ${rpsMet ? 'met' : 'NOT MET'}), ` +
          `failed requests ${row.failed}${row.failed === 0 ? '' : ' (must be 0)'}\n`,
      );
    }
    for (const [n, row] of rows.entries()) {
      const ref = bareRows[n];
      process.stdout.write(
        `${row.label}: the API serves ${((100 * row.rps) / ref.rps).toFixed(0)}% of the requests/s of bare ` +
          `node:http + pg doing the same work (${row.rps.toFixed(0)} against ${ref.rps.toFixed(0)}; ` +
          `p99 ${row.p99} against ${ref.p99} ms)\n`,
      );
    }
    process.stdout.write(`API peak RSS ${apiPeak.toFixed(0)} MB (${options.connections} connections)\n`);
    process.exitCode = [...rows, ...bareRows].every((r) => r.failed === 0) ? 0 : 1;
  } finally {
    await stop();
  }
}

main().catch((error) => {
  process.stderr.write(`bench/api: ${error.stack ?? error}\n`);
  process.exitCode = 2;
});
