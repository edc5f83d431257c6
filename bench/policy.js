'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node without a build */
// bench/policy: evaluations per second of the policy engine over a generated 50,000-host snapshot.
// Five representative condition rules of the pack run three ways over the same hosts: written by
// hand in plain JavaScript loops (the ceiling), in json-rules-engine (the peer the issue names) and
// in Driftwatch (compilePolicy + evaluate); all three must give the same verdicts (rule, address,
// port, protocol), and the hand-written rules the same findings as Driftwatch (title, requirements,
// severity, message text, remediation), else this exits 1. Then the whole pack runs over the snapshot with its changes
// and a policy context. Prints hosts/s of each, the ratios against the targets (Driftwatch >= 70%
// of the ceiling, >= 30x json-rules-engine) and peak memory. Targets are reported, not asserted.
//
//   node bench/policy.js [--hosts N] [--runs N] [--peer-hosts N] [--pack DIR]
//
// --hosts N       hosts in the snapshot (default 50,000)
// --runs N        timed runs per engine after a warm-up; the median is reported (default 9). The
//                 ceiling and Driftwatch alternate run by run, and their ratio is the median of
//                 the paired runs' ratios
// --peer-hosts N  json-rules-engine is timed on the first N hosts only (default 10,000); its
//                 verdicts are still checked on all of them
// --pack DIR      the rule pack (default policies/pci-dss-v4)
// Loads the TypeScript engine from libs/ directly (bench/lib/load-typescript.js): no build needed.
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { Engine } = require('json-rules-engine');
const { register, ROOT } = require('./lib/load-typescript');
const { generateSnapshot } = require('./lib/generate-snapshot');

register();
const { compilePolicy, evaluate, loadPolicyPack, parsePolicyContext } = require('@driftwatch/policy-engine');
const { diffObservations } = require('@driftwatch/drift');

const USAGE = 'usage: node bench/policy.js [--hosts N] [--runs N] [--peer-hosts N] [--pack DIR]';
const TARGET_OF_CEILING = 0.7;
const TARGET_OVER_PEER = 30;

/** The five rules, by id: three service rules, one TLS and one SSH rule. */
const RULES = {
  unapproved: 'pci-dss-v4.1.2.5-open-port-not-approved',
  cleartext: 'pci-dss-v4.1.2.6-insecure-cleartext-service',
  tls: 'pci-dss-v4.4.2.1-tls-below-1.2',
  web: 'pci-dss-v4.4.2.1-web-service-without-tls',
  sshPassword: 'pci-dss-v4.8.4.2-ssh-password-authentication',
};
const CLEARTEXT_NAMES = ['telnet', 'ftp', 'tftp', 'shell', 'login', 'exec'];
const CLEARTEXT_TCP_PORTS = [21, 23, 512, 513, 514];
const WEB_NAMES = ['http', 'http-proxy', 'http-alt'];
const TLS_VERSIONS_OK = ['TLSv1.2', 'TLSv1.3'];
const PASSWORD_METHODS = ['password', 'keyboard-interactive'];

function parseArgs(argv) {
  const options = { hosts: 50_000, runs: 9, peerHosts: 10_000, pack: path.join(ROOT, 'policies/pci-dss-v4') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--hosts') options.hosts = Number(argv[++i]);
    else if (arg === '--runs') options.runs = Number(argv[++i]);
    else if (arg === '--peer-hosts') options.peerHosts = Number(argv[++i]);
    else if (arg === '--pack') options.pack = path.resolve(argv[++i] ?? '');
    else throw new Error(`unknown argument ${arg} (${USAGE})`);
  }
  if (!Number.isInteger(options.hosts) || options.hosts < 1 || options.hosts > 64_000) {
    throw new Error('--hosts must be an integer from 1 to 64,000');
  }
  if (!Number.isInteger(options.runs) || options.runs < 1 || options.runs > 100) {
    throw new Error('--runs must be an integer from 1 to 100');
  }
  if (!Number.isInteger(options.peerHosts) || options.peerHosts < 1) {
    throw new Error('--peer-hosts must be a positive integer');
  }
  options.peerHosts = Math.min(options.peerHosts, options.hosts);
  return options;
}

function primaryAddress(host) {
  return (
    host.addresses.find((a) => a.type === 'ipv4')?.addr ??
    host.addresses.find((a) => a.type === 'ipv6')?.addr ??
    host.addresses[0]?.addr ??
    'unknown'
  );
}

/** "tcp/443" keys of the scope's approved ports, a bare number standing for every protocol. */
function approvedKeys(scope) {
  return scope.approvedPorts.flatMap((p) => ['tcp', 'udp', 'sctp'].map((protocol) => `${protocol}/${p}`));
}

// --- (a) the ceiling: the five checks written by hand ---------------------------------------------

/** A value as a message shows it, as the engine's templates do: missing or empty reads "unknown". */
function shown(value) {
  if (typeof value === 'string') return value === '' ? 'unknown' : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((v) => ['string', 'number'].includes(typeof v))
  ) {
    return value.join(', ');
  }
  return 'unknown';
}

/**
 * Plain loops over the open ports of hosts that are up, one finding per failing check: the same
 * findings, with the same fields and message text, as the engine gives for the five rules (the
 * bench checks both). `meta` holds each rule's title, requirements, severity and remediation.
 */
function handWritten(snapshot, meta) {
  const approved = new Set(approvedKeys(snapshot.scope));
  const cleartextNames = new Set(CLEARTEXT_NAMES);
  const cleartextTcp = new Set(CLEARTEXT_TCP_PORTS);
  const webNames = new Set(WEB_NAMES);
  const tlsOk = new Set(TLS_VERSIONS_OK);
  const passwordMethods = new Set(PASSWORD_METHODS);
  const scopeId = shown(snapshot.scope.id);
  // The five-rule runs have no policy context: no host has a zone or a role.
  const zoneName = 'unknown';
  const roleName = 'unknown';
  const results = [];
  const finding = (ruleId, asset, portKey, port, message) => {
    const m = meta[ruleId];
    results.push({
      ruleId,
      title: m.title,
      requirements: m.requirements,
      severity: m.severity,
      asset,
      subject: portKey,
      port: port.port,
      protocol: port.protocol,
      message,
      remediation: m.remediation,
    });
  };
  for (const host of snapshot.hosts) {
    if (host.status !== 'up') continue;
    let address;
    for (const port of host.ports) {
      if (port.state !== 'open') continue;
      address ??= primaryAddress(host);
      const key = `${port.protocol}/${port.port}`;
      const service = port.service;
      const name = typeof service?.name === 'string' ? service.name : undefined;
      const tunnelled = service?.tunnel === 'ssl';
      if (!approved.has(key)) {
        finding(
          RULES.unapproved,
          address,
          key,
          port,
          `${address} ${key} (${shown(name)}) is open but not approved for scope ${scopeId}, zone ${zoneName} or role ${roleName}`,
        );
      }
      if (
        name === undefined
          ? (port.protocol === 'tcp' && cleartextTcp.has(port.port)) ||
            (port.protocol === 'udp' && port.port === 69)
          : cleartextNames.has(name) && !tunnelled
      ) {
        finding(
          RULES.cleartext,
          address,
          key,
          port,
          `${address} ${key} runs ${shown(name)}, a cleartext protocol that exposes credentials and data`,
        );
      }
      if (name !== undefined && webNames.has(name) && !tunnelled) {
        finding(
          RULES.web,
          address,
          key,
          port,
          `${address} ${key} serves ${name} (${shown(service.product)}) without TLS`,
        );
      }
      const tls = port.tls;
      if (tls !== undefined) {
        const versions = tls.versions;
        let old = !Array.isArray(versions);
        for (let i = 0; !old && i < versions.length; i++) old = !tlsOk.has(versions[i]);
        if (old)
          finding(
            RULES.tls,
            address,
            key,
            port,
            `${address} ${key} accepts protocol versions older than TLS 1.2 (offered: ${shown(versions)})`,
          );
      }
      const methods = port.ssh?.authMethods;
      if (Array.isArray(methods) && methods.some((m) => passwordMethods.has(m))) {
        finding(
          RULES.sshPassword,
          address,
          key,
          port,
          `${address} ${key} offers SSH password authentication (methods: ${shown(methods)})`,
        );
      }
    }
  }
  return results;
}

// --- (b) the peer: json-rules-engine --------------------------------------------------------------

/**
 * A dot path, own properties only; a missing step gives undefined. json-rules-engine's default
 * (jsonpath-plus) gives undefined too, but a rule then compares undefined with its operator,
 * so "name notIn [...]" on a port without a name counts as a violation: the operators below
 * state what a missing fact means, as the JSON Schema conditions do.
 */
function pathResolver(value, dotted) {
  let current = value;
  for (const key of dotted.split('.')) {
    if (
      current === null ||
      typeof current !== 'object' ||
      !Object.prototype.hasOwnProperty.call(current, key)
    ) {
      return undefined;
    }
    current = current[key];
  }
  return current;
}

const fact = (pathText, operator, value) => ({ fact: 'subject', path: pathText, operator, value });
const violation = (ruleId) => ({ type: 'violation', params: { ruleId } });

function peerEngine() {
  const engine = new Engine([], { allowUndefinedFacts: true, pathResolver });
  engine.addOperator('present', (a) => a !== undefined);
  engine.addOperator('notText', (a) => typeof a !== 'string');
  engine.addOperator('isIn', (a, b) => a !== undefined && b.includes(a));
  engine.addOperator('anyNotIn', (a, b) => !Array.isArray(a) || a.some((v) => !b.includes(v)));
  engine.addOperator('anyIn', (a, b) => Array.isArray(a) && a.some((v) => b.includes(v)));
  engine.addRule({
    name: RULES.unapproved,
    conditions: { all: [fact('portKey', 'notIn', { fact: 'subject', path: 'approvedPorts' })] },
    event: violation(RULES.unapproved),
  });
  engine.addRule({
    name: RULES.cleartext,
    conditions: {
      any: [
        {
          all: [
            fact('port.service.name', 'isIn', CLEARTEXT_NAMES),
            fact('port.service.tunnel', 'notEqual', 'ssl'),
          ],
        },
        {
          all: [
            fact('port.service.name', 'notText', true),
            {
              any: [
                {
                  all: [
                    fact('port.protocol', 'equal', 'tcp'),
                    fact('port.port', 'isIn', CLEARTEXT_TCP_PORTS),
                  ],
                },
                { all: [fact('port.protocol', 'equal', 'udp'), fact('port.port', 'equal', 69)] },
              ],
            },
          ],
        },
      ],
    },
    event: violation(RULES.cleartext),
  });
  engine.addRule({
    name: RULES.web,
    conditions: {
      all: [fact('port.service.name', 'isIn', WEB_NAMES), fact('port.service.tunnel', 'notEqual', 'ssl')],
    },
    event: violation(RULES.web),
  });
  engine.addRule({
    name: RULES.tls,
    conditions: {
      all: [fact('port.tls', 'present', true), fact('port.tls.versions', 'anyNotIn', TLS_VERSIONS_OK)],
    },
    event: violation(RULES.tls),
  });
  engine.addRule({
    name: RULES.sshPassword,
    conditions: {
      all: [fact('port.ssh', 'present', true), fact('port.ssh.authMethods', 'anyIn', PASSWORD_METHODS)],
    },
    event: violation(RULES.sshPassword),
  });
  return engine;
}

/** One engine run per open port (the subject), as the engine's facts. */
async function runPeer(engine, snapshot, hostCount) {
  const approvedPorts = approvedKeys(snapshot.scope);
  const results = [];
  for (let h = 0; h < hostCount; h++) {
    const host = snapshot.hosts[h];
    if (host.status !== 'up') continue;
    let address;
    for (const port of host.ports) {
      if (port.state !== 'open') continue;
      address ??= primaryAddress(host);
      const subject = { port, portKey: `${port.protocol}/${port.port}`, approvedPorts };
      const { events } = await engine.run({ subject });
      for (const event of events) {
        results.push({
          ruleId: event.params.ruleId,
          asset: address,
          port: port.port,
          protocol: port.protocol,
        });
      }
    }
  }
  return results;
}

// --- measuring -------------------------------------------------------------------------------------

const peakMb = () => process.resourceUsage().maxRSS / 1024;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * A warm-up run, then `runs` timed ones. Only a summary of the last run's results is kept, so no
 * engine's output stays on the heap while the next one is timed.
 */
async function measure(name, hosts, runs, run) {
  let rssMb = process.memoryUsage().rss / 1024 / 1024;
  await run();
  const ms = [];
  let summary;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const results = await run();
    ms.push(performance.now() - started);
    rssMb = Math.max(rssMb, process.memoryUsage().rss / 1024 / 1024);
    summary = { count: results.length, rules: new Set(results.map((r) => r.ruleId)) };
  }
  return { name, hosts, ms, median: median(ms), best: Math.min(...ms), rssMb, ...summary };
}

/**
 * Two engines timed in alternation (a, b, a, b, ...) after a warm-up of each, so that drift in
 * the machine's speed or the heap's state during the runs falls on both alike. Returns each
 * one's measure and the ratios of their paired runs (a's time over b's).
 */
async function measurePaired(a, b, hosts, runs) {
  const state = [a, b].map(() => ({ ms: [], rssMb: process.memoryUsage().rss / 1024 / 1024, summary: {} }));
  for (const engine of [a, b]) await engine.run();
  for (let i = 0; i < runs; i++) {
    [a, b].forEach((engine, k) => {
      const started = performance.now();
      const results = engine.run();
      state[k].ms.push(performance.now() - started);
      state[k].rssMb = Math.max(state[k].rssMb, process.memoryUsage().rss / 1024 / 1024);
      state[k].summary = { count: results.length, rules: new Set(results.map((r) => r.ruleId)) };
    });
  }
  const [ma, mb] = [a, b].map((engine, k) => ({
    name: engine.name,
    hosts,
    ms: state[k].ms,
    median: median(state[k].ms),
    best: Math.min(...state[k].ms),
    rssMb: state[k].rssMb,
    ...state[k].summary,
  }));
  return { a: ma, b: mb, ratios: ma.ms.map((ms, i) => ms / mb.ms[i]) };
}

const rate = (m, ms) => (m.hosts / ms) * 1000;
const int = (n) => Math.round(n).toLocaleString('en-US');
const verdictKey = (r) => `${r.ruleId}|${r.asset}|${r.port}|${r.protocol}`;

/** Differences between the engines' verdicts, as [label, keys] lists; empty when they agree. */
function compareVerdicts(engines) {
  const problems = [];
  const sets = engines.map(([name, results]) => {
    const keys = new Set(results.map(verdictKey));
    if (keys.size !== results.length) {
      problems.push([`${name} reports ${results.length - keys.size} verdicts twice`, []]);
    }
    return [name, keys];
  });
  const [reference, referenceKeys] = sets[0];
  for (const [name, keys] of sets.slice(1)) {
    const missing = [...referenceKeys].filter((k) => !keys.has(k));
    const extra = [...keys].filter((k) => !referenceKeys.has(k));
    if (missing.length) problems.push([`only ${reference} reports (not ${name})`, missing]);
    if (extra.length) problems.push([`only ${name} reports (not ${reference})`, extra]);
  }
  return { problems, keys: referenceKeys };
}

/** Fields of a finding besides its evidence, as both the engine and the hand-written rules give them. */
const FIELDS = ['title', 'requirements', 'severity', 'subject', 'message', 'remediation'];

/** Findings of the hand-written rules and of Driftwatch that differ in any field but the verdict's. */
function compareFindings(hand, ours) {
  const byKey = new Map(ours.map((r) => [verdictKey(r), r]));
  const differing = [];
  for (const h of hand) {
    const o = byKey.get(verdictKey(h));
    const field = o && FIELDS.find((f) => JSON.stringify(h[f]) !== JSON.stringify(o[f]));
    if (field)
      differing.push(`${verdictKey(h)} ${field}: ${JSON.stringify(h[field])} vs ${JSON.stringify(o[field])}`);
  }
  return differing;
}

/** Each engine's verdicts over the whole snapshot, compared; only the keys are kept. */
async function checkVerdicts(snapshot, engine, five, input, meta) {
  const started = performance.now();
  const peerAll = await runPeer(engine, snapshot, snapshot.hosts.length);
  const peerFullSeconds = (performance.now() - started) / 1000;
  const hand = handWritten(snapshot, meta);
  const ours = evaluate(five, input).results;
  const compared = compareVerdicts([
    ['hand-written', hand],
    ['json-rules-engine', peerAll],
    ['driftwatch', ours],
  ]);
  const differing = compareFindings(hand, ours);
  if (differing.length) compared.problems.push(['findings differ from the hand-written ones', differing]);
  return { ...compared, peerFullSeconds };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));

  let started = performance.now();
  const { snapshot, changedHosts, context: rawContext, now } = generateSnapshot({ hosts: options.hosts });
  const up = snapshot.hosts.filter((h) => h.status === 'up');
  const open = up.flatMap((h) => h.ports.filter((p) => p.state === 'open'));
  const count = (key) => open.filter((p) => p[key] !== undefined).length;
  const run = { scanner: 'nmap', hostsUp: 0, hostsDown: 0, hostsTotal: 0 };
  const changes = diffObservations({ run, hosts: changedHosts.before }, { run, hosts: changedHosts.after });
  const context = parsePolicyContext(rawContext);
  console.log(
    `generated ${int(snapshot.hosts.length)} hosts (${int(up.length)} up, ${int(open.length)} open ports: ` +
      `${int(count('ssh'))} with SSH, ${int(count('tls'))} TLS, ${int(count('http'))} HTTP facts), ` +
      `${int(changes.length)} changes since the previous snapshot and a context of ` +
      `${int(context.inventory.length)} declared assets in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const snapshotMb = peakMb();

  const pack = loadPolicyPack(options.pack);
  const ids = Object.values(RULES);
  const missing = ids.filter((id) => !pack.rules.some((r) => r.id === id));
  if (missing.length) throw new Error(`the pack ${options.pack} has no rule ${missing.join(', ')}`);
  started = performance.now();
  const five = compilePolicy({
    name: `${pack.name} (5 rules)`,
    rules: pack.rules.filter((r) => ids.includes(r.id)),
  });
  const whole = compilePolicy(pack);
  const engine = peerEngine();
  console.log(
    `compiled the ${five.ruleCount} rules and the whole pack (${whole.ruleCount} rules of ${pack.name}) ` +
      `in ${int(performance.now() - started)} ms, outside the timed runs`,
  );
  const input = { snapshot, now: new Date(now) };

  // Verdicts first, over every host: the peer's full pass also warms it up.
  const meta = Object.fromEntries(
    five.rules.map(({ rule }) => [
      rule.id,
      {
        title: rule.title,
        requirements: rule.requirements,
        severity: rule.severity,
        remediation: rule.remediation,
      },
    ]),
  );
  const { problems, keys, peerFullSeconds } = await checkVerdicts(snapshot, engine, five, input, meta);
  if (problems.length > 0) {
    for (const [what, list] of problems) {
      console.log(`MISMATCH ${what} (${list.length}): ${list.slice(0, 10).join(', ')}`);
    }
    process.exitCode = 1;
    return;
  }
  console.log(
    `verdicts: the same ${int(keys.size)} from hand-written, json-rules-engine and Driftwatch ` +
      '(and the same findings, message text included, from hand-written and Driftwatch)',
  );
  for (const id of ids) {
    const mine = [...keys].filter((k) => k.startsWith(`${id}|`));
    const hosts = new Set(mine.map((k) => k.split('|')[1])).size;
    console.log(`  ${id.padEnd(46)}${int(mine.length).padStart(8)} on ${int(hosts).padStart(6)} hosts`);
  }

  const all = snapshot.hosts.length;
  const peerSubset = { ...snapshot, hosts: snapshot.hosts.slice(0, options.peerHosts) };
  const wholeInput = { snapshot, changes, context, now: new Date(now) };
  const paired = await measurePaired(
    { name: 'hand-written JS (ceiling)', run: () => handWritten(snapshot, meta) },
    { name: 'Driftwatch, 5 rules', run: () => evaluate(five, input).results },
    all,
    options.runs,
  );
  const { a: ceiling, b: ours } = paired;
  // Evidence is built when first read; this row pays for every result's evidence too.
  const oursWithEvidence = await measure('  … reading every evidence', all, options.runs, () => {
    const { results } = evaluate(five, input);
    for (const r of results) if (r.evidence === undefined) throw new Error('a result without evidence');
    return results;
  });
  const peer = await measure('json-rules-engine, 5 rules', options.peerHosts, options.runs, () =>
    runPeer(engine, peerSubset, options.peerHosts),
  );
  const wholePack = await measure(
    `Driftwatch, whole pack`,
    all,
    options.runs,
    () => evaluate(whole, wholeInput).results,
  );

  const row = (cells) =>
    cells[0].padEnd(30) +
    cells
      .slice(1)
      .map((c, i) => String(c).padStart(i === 0 ? 12 : 10))
      .join('');
  console.log('');
  console.log(row(['', 'hosts/s', 'best', 'ms/run', 'hosts', 'results', 'RSS MB']));
  for (const m of [ceiling, ours, oursWithEvidence, peer, wholePack]) {
    console.log(
      row([
        m === wholePack ? `${m.name} (${whole.ruleCount})` : m.name,
        int(rate(m, m.median)),
        int(rate(m, m.best)),
        m.median.toFixed(1),
        int(m.hosts),
        int(m.count),
        int(m.rssMb),
      ]),
    );
  }
  console.log(
    `(median of ${options.runs} runs after a warm-up, the ceiling's and Driftwatch's alternating; RSS MB: the largest\n` +
      ' resident size sampled after a run.' +
      ' The hand-written rules build the same findings as Driftwatch, message text included; Driftwatch\n' +
      ' builds their evidence (failing facts, nmap fragment) when first read: the "reading every evidence" row pays it.)',
  );
  if (options.peerHosts < all) {
    console.log(
      `json-rules-engine was timed on the first ${int(options.peerHosts)} hosts; its verdict pass over all ` +
        `${int(all)} took ${peerFullSeconds.toFixed(1)} s (${int(all / peerFullSeconds)} hosts/s)`,
    );
  }
  const silent = whole.rules.map((r) => r.rule.id).filter((id) => !wholePack.rules.has(id));
  console.log(
    `whole pack: ${int(wholePack.count)} results from ${wholePack.rules.size} of ${whole.ruleCount} rules` +
      (silent.length ? `; none from ${silent.join(', ')}` : ''),
  );

  // Driftwatch's share of the ceiling: the median over paired runs of ceiling time / our time.
  const ofCeiling = median(paired.ratios);
  const overPeer = rate(ours, ours.median) / rate(peer, peer.median);
  const verdict = (met) => (met ? 'met' : 'NOT MET');
  console.log('');
  console.log(
    `ceiling: Driftwatch runs at ${(ofCeiling * 100).toFixed(0)}% of the hand-written rules ` +
      `(median of ${paired.ratios.length} paired runs, ${(Math.min(...paired.ratios) * 100).toFixed(0)}–` +
      `${(Math.max(...paired.ratios) * 100).toFixed(0)}%; target >= ${TARGET_OF_CEILING * 100}%): ` +
      verdict(ofCeiling >= TARGET_OF_CEILING),
  );
  console.log(
    `peer: Driftwatch is ${overPeer.toFixed(1)}x json-rules-engine (target >= ${TARGET_OVER_PEER}x): ` +
      `${verdict(overPeer >= TARGET_OVER_PEER)}`,
  );
  const withEvidence = rate(oursWithEvidence, oursWithEvidence.median);
  console.log(
    `with every evidence read: ${((withEvidence / rate(ceiling, ceiling.median)) * 100).toFixed(0)}% of the ceiling, ` +
      `${(withEvidence / rate(peer, peer.median)).toFixed(1)}x json-rules-engine`,
  );
  console.log(
    `memory: peak RSS ${int(peakMb())} MB (${int(snapshotMb)} MB once the snapshot, its changes and context were built)`,
  );
  console.log(`verdicts match: ${int(keys.size)} verdicts of ${ids.length} rules on ${int(all)} hosts`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
});
