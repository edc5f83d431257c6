'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node without a build */
// bench/diff: our `diff` against nmap's `ndiff` on a generated pair of /16 scans (65,536
// addresses, ~5 ports each, ~2% of the hosts changed). Both run under GNU time for wall time and
// peak RSS; both must report the same changed hosts and ports, else this exits non-zero.
//
//   node bench/diff.js [--hosts N] [--dir DIR] [--keep]
//
// --dir DIR  use (and keep) DIR, generating old.xml/new.xml there only if they are missing
// --keep     keep the temporary directory with the scans and both reports
// Needs the built CLI (npm run build, or npx nest build cli), ndiff and GNU time (`time`).
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const sax = require('sax');
const { generateScanPair } = require('./lib/generate-scans');

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist/apps/cli/main.js');
const TIME = '/usr/bin/time';

function parseArgs(argv) {
  const options = { hosts: 65536, dir: undefined, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--keep') options.keep = true;
    else if (arg === '--dir') options.dir = argv[++i];
    else if (arg === '--hosts') options.hosts = Number(argv[++i]);
    else
      throw new Error(`unknown argument ${arg} (usage: node bench/diff.js [--hosts N] [--dir DIR] [--keep])`);
  }
  if (!Number.isInteger(options.hosts) || options.hosts < 1 || options.hosts > 65536) {
    throw new Error('--hosts must be an integer from 1 to 65536');
  }
  return options;
}

/** Runs a command under GNU time, stdout to a file; resolves { code, seconds, peakMb }. */
function timed(command, args, stdoutFile) {
  const timeFile = `${stdoutFile}.time`;
  return new Promise((resolve, reject) => {
    const out = fs.openSync(stdoutFile, 'w');
    const child = spawn(TIME, ['-f', '%e %M', '-o', timeFile, command, ...args], {
      stdio: ['ignore', out, 'inherit'],
      cwd: ROOT,
    });
    child.on('error', reject);
    child.on('close', (code) => {
      fs.closeSync(out);
      const [seconds, kb] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
      resolve({ code, seconds, peakMb: kb / 1024 });
    });
  });
}

/** Streams ndiff's XML report through sax, keeping one <hostdiff> subtree at a time. */
function readNdiffReport(file) {
  const report = { hosts: new Set(), ports: new Set(), renamed: new Set(), summarisedSame: new Set() };
  const wholeHost = new Map();
  const kids = (node, name) => (node ? node.children.filter((c) => c.name === name) : []);
  const kid = (node, name) => kids(node, name)[0];
  // ndiff's host id without the name: the lowest IPv4 address, else IPv6, else MAC.
  const hostKey = (addresses) => {
    for (const type of ['ipv4', 'ipv6', 'mac']) {
      const found = addresses.filter((a) => (a.attrs.addrtype ?? 'ipv4') === type).map((a) => a.attrs.addr);
      if (found.length) return found.sort(type === 'ipv4' ? byIpv4 : undefined)[0];
    }
    throw new Error('ndiff reported a host without an address');
  };
  const portKey = (host, port) => `${host} ${port.attrs.protocol}/${port.attrs.portid}`;

  const onHostdiff = (hostdiff) => {
    const side = hostdiff.children.find((c) => c.name === 'a' || c.name === 'b');
    if (side) {
      const host = kid(side, 'host');
      const key = hostKey(kids(host, 'address'));
      report.hosts.add(key);
      for (const port of kids(kid(host, 'ports'), 'port')) report.ports.add(portKey(key, port));
      const sides = wholeHost.get(key) ?? new Set();
      sides.add(side.name);
      wholeHost.set(key, sides);
      return;
    }
    const host = kid(hostdiff, 'host');
    const key = hostKey([
      ...kids(host, 'address'),
      ...kids(kid(host, 'a'), 'address'),
      ...kids(kid(host, 'b'), 'address'),
    ]);
    report.hosts.add(key);
    const ports = kid(host, 'ports');
    const shared = kids(ports, 'extraports');
    const extra = {
      a: new Set([...shared, ...kids(kid(ports, 'a'), 'extraports')].map((e) => e.attrs.state)),
      b: new Set([...shared, ...kids(kid(ports, 'b'), 'extraports')].map((e) => e.attrs.state)),
    };
    const sole = (s) => (s.size === 1 ? [...s][0] : undefined);
    for (const portdiff of kids(ports, 'portdiff')) {
      const a = kid(kid(portdiff, 'a'), 'port');
      const b = kid(kid(portdiff, 'b'), 'port');
      const any = kid(portdiff, 'port') ?? a ?? b;
      report.ports.add(portKey(key, any));
      const stateA = kid(a, 'state')?.attrs.state;
      const stateB = kid(b, 'state')?.attrs.state;
      if (
        (stateA === undefined && stateB !== undefined && sole(extra.a) === stateB) ||
        (stateB === undefined && stateA !== undefined && sole(extra.b) === stateA)
      ) {
        report.summarisedSame.add(portKey(key, any));
      }
    }
  };

  return new Promise((resolve, reject) => {
    const stream = sax.createStream(true);
    const stack = [];
    stream.on('opentag', (tag) => {
      if (tag.name === 'hostdiff' || stack.length > 0) {
        const node = { name: tag.name, attrs: tag.attributes, children: [] };
        stack[stack.length - 1]?.children.push(node);
        stack.push(node);
      }
    });
    stream.on('closetag', () => {
      const node = stack.pop();
      if (node && stack.length === 0) onHostdiff(node);
    });
    stream.on('error', reject);
    stream.on('end', () => {
      for (const [key, sides] of wholeHost) if (sides.size === 2) report.renamed.add(key);
      resolve(report);
    });
    fs.createReadStream(file).pipe(stream);
  });
}

function byIpv4(a, b) {
  const n = (s) => s.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
  return n(a) - n(b);
}

/** Our JSON report ({"changes":[{type,address,port?,protocol?,before?,after?}]}) as hosts and ports. */
function readOurReport(file) {
  const { changes } = JSON.parse(fs.readFileSync(file, 'utf8'));
  const report = { changes: changes.length, hosts: new Set(), ports: new Set(), tunnelOnly: new Set() };
  const portChanges = new Map();
  for (const change of changes) {
    report.hosts.add(change.address);
    if (change.type === 'host-appeared' || change.type === 'host-removed') {
      const host = change.type === 'host-appeared' ? change.after : change.before;
      for (const p of host.ports) report.ports.add(`${change.address} ${p.protocol}/${p.port}`);
    } else if (change.port !== undefined) {
      const key = `${change.address} ${change.protocol}/${change.port}`;
      report.ports.add(key);
      const list = portChanges.get(key) ?? [];
      list.push(change);
      portChanges.set(key, list);
    }
  }
  // Service changes in the tunnel only, which ndiff does not compare (docs/decisions/0005).
  for (const [key, list] of portChanges) {
    const withoutTunnel = (s) => JSON.stringify({ ...s, tunnel: undefined });
    if (
      list.every((c) => c.type === 'service-changed' && withoutTunnel(c.before) === withoutTunnel(c.after))
    ) {
      report.tunnelOnly.add(key);
    }
  }
  return report;
}

const minus = (a, ...b) => [...a].filter((x) => !b.some((s) => s.has(x))).sort();

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(CLI)) throw new Error(`${path.relative(ROOT, CLI)} is missing: run npm run build first`);
  for (const tool of [TIME, '/usr/bin/ndiff']) {
    if (!fs.existsSync(tool)) throw new Error(`${tool} is missing (apt-get install -y time ndiff)`);
  }
  const dir = options.dir
    ? path.resolve(options.dir)
    : fs.mkdtempSync(path.join(os.tmpdir(), 'driftwatch-bench-diff-'));
  fs.mkdirSync(dir, { recursive: true });
  const oldXml = path.join(dir, 'old.xml');
  const newXml = path.join(dir, 'new.xml');
  try {
    if (!fs.existsSync(oldXml) || !fs.existsSync(newXml)) {
      const started = Date.now();
      const summary = generateScanPair(oldXml, newXml, { hosts: options.hosts });
      const kinds = Object.entries(summary.changes)
        .map(([kind, list]) => `${list.length} ${kind}`)
        .join(', ');
      console.log(
        `generated ${summary.hosts} addresses in ${((Date.now() - started) / 1000).toFixed(1)} s: ${kinds}`,
      );
    }
    const size = (f) => (fs.statSync(f).size / 1e6).toFixed(1);
    console.log(`scans: ${oldXml} (${size(oldXml)} MB), ${newXml} (${size(newXml)} MB)`);

    const ndiff = await timed('ndiff', ['--xml', oldXml, newXml], path.join(dir, 'ndiff.xml'));
    const ours = await timed(
      process.execPath,
      [CLI, 'diff', oldXml, newXml, '--format', 'json'],
      path.join(dir, 'ours.json'),
    );
    for (const [name, run] of [
      ['ndiff', ndiff],
      ['driftwatch diff', ours],
    ]) {
      if (run.code !== 0 && run.code !== 1) throw new Error(`${name} failed with exit code ${run.code}`);
    }

    const theirs = await readNdiffReport(path.join(dir, 'ndiff.xml'));
    const mine = readOurReport(path.join(dir, 'ours.json'));
    const renamedPorts = new Set([...theirs.ports].filter((p) => theirs.renamed.has(p.split(' ')[0])));
    const problems = [
      ['hosts only ndiff reports', minus(theirs.hosts, mine.hosts, theirs.renamed)],
      ['hosts only we report', minus(mine.hosts, theirs.hosts)],
      ['ports only ndiff reports', minus(theirs.ports, mine.ports, renamedPorts, theirs.summarisedSame)],
      ['ports only we report', minus(mine.ports, theirs.ports, mine.tunnelOnly)],
    ].filter(([, list]) => list.length > 0);

    const row = ([label, ...cells]) => label.padEnd(16) + cells.map((c) => String(c).padStart(9)).join('');
    console.log('');
    console.log(row(['', 'wall s', 'peak MB', 'exit', 'hosts', 'ports']));
    console.log(
      row([
        'ndiff',
        ndiff.seconds.toFixed(2),
        ndiff.peakMb.toFixed(0),
        ndiff.code,
        theirs.hosts.size,
        theirs.ports.size,
      ]),
    );
    console.log(
      row([
        'driftwatch diff',
        ours.seconds.toFixed(2),
        ours.peakMb.toFixed(0),
        ours.code,
        mine.hosts.size,
        mine.ports.size,
      ]),
    );
    console.log('');
    console.log(
      `speed: driftwatch diff is ${(ndiff.seconds / ours.seconds).toFixed(1)}x ndiff (target >= 10x, goal 20x)`,
    );
    console.log(
      `memory: driftwatch diff peaks at ${(ours.peakMb / ndiff.peakMb).toFixed(2)}x ndiff's (target < 1)`,
    );
    console.log(`changes: ${mine.changes} reported by driftwatch`);
    if (problems.length > 0) {
      for (const [what, list] of problems)
        console.log(`MISMATCH ${what} (${list.length}): ${list.slice(0, 10).join(', ')}`);
      process.exitCode = 1;
    } else {
      console.log('same changed hosts and ports as ndiff');
    }
  } finally {
    if (!options.dir && !options.keep) fs.rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
});
