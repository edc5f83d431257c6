import { execFile } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import sax from 'sax';

import type { NetworkObservation } from '@driftwatch/core';
import { type Change, diffObservations, identityAddress } from '@driftwatch/drift';
import { parseNmapXml } from '@driftwatch/nmap';
import { assertCorpusPresent, CORPUS_DIR } from '@driftwatch/test/corpus';

// nmap's ndiff is the oracle: for every pair of its own test scans, the hosts and ports it
// reports as changed must be exactly the ones our diff reports, except for the deliberate,
// documented differences (docs/decisions/0005-drift-model.md), each checked positively below.
const NDIFF_DIR = path.join(CORPUS_DIR, 'ndiff');
const CLI = path.resolve(__dirname, '../../dist/apps/cli/main.js');
const run = promisify(execFile);

/** ndiff 7.93 sorts a host's or port's script results; with two or more that raises this. */
const KNOWN_NDIFF_CRASH =
  /TypeError: '<' not supported between instances of 'ScriptResult' and 'ScriptResult'/;

interface NdiffRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

async function runNdiff(a: string, b: string): Promise<NdiffRun> {
  try {
    const { stdout, stderr } = await run('ndiff', ['--xml', a, b], { maxBuffer: 64 * 1024 * 1024 });
    return { exitCode: 0, stdout, stderr };
  } catch (error: unknown) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error; // ENOENT etc.: ndiff itself is missing
    return { exitCode: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

// --- ndiff's XML output as a small tree -------------------------------------------------------

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}

function parseXmlTree(xml: string): XmlNode {
  const parser = sax.parser(true);
  const root: XmlNode = { name: '#document', attrs: {}, children: [] };
  const stack: XmlNode[] = [root];
  parser.onopentag = (tag) => {
    const attrs: Record<string, string> = {};
    const attributes = tag.attributes as Record<string, string | sax.QualifiedAttribute>;
    for (const [k, v] of Object.entries(attributes)) attrs[k] = typeof v === 'string' ? v : v.value;
    const node: XmlNode = { name: tag.name, attrs, children: [] };
    stack[stack.length - 1]?.children.push(node);
    stack.push(node);
  };
  parser.onclosetag = () => void stack.pop();
  parser.onerror = (error) => {
    throw error;
  };
  parser.write(xml).close();
  return root;
}

const kids = (node: XmlNode | undefined, name: string) => node?.children.filter((c) => c.name === name) ?? [];
const kid = (node: XmlNode | undefined, name: string) => kids(node, name)[0];

/** ndiff's host identity (Host.get_id without the host name): the lowest address, IPv4 first. */
function ndiffHostKey(addressNodes: XmlNode[]): string {
  const address = identityAddress({
    addresses: addressNodes.map((n) => ({
      addr: n.attrs.addr ?? '',
      type: (n.attrs.addrtype ?? 'ipv4') as 'ipv4' | 'ipv6' | 'mac',
    })),
  });
  if (!address) throw new Error('ndiff reported a host without an address');
  return address.addr;
}

const portKey = (host: string, port: XmlNode) => `${host} ${port.attrs.protocol}/${port.attrs.portid}`;

interface NdiffReport {
  hosts: Set<string>;
  ports: Set<string>;
  /** Hosts ndiff reports as gone and new at once: same address, another host name (its id). */
  renamed: Set<string>;
  /** Ports ndiff reports although their state did not change (listed vs. summarised the same). */
  summarisedSame: Set<string>;
}

function readNdiffReport(xml: string): NdiffReport {
  const report: NdiffReport = {
    hosts: new Set(),
    ports: new Set(),
    renamed: new Set(),
    summarisedSame: new Set(),
  };
  const wholeHost = new Map<string, Set<'a' | 'b'>>();
  const scandiff = kid(kid(parseXmlTree(xml), 'nmapdiff'), 'scandiff');
  for (const hostdiff of kids(scandiff, 'hostdiff')) {
    const side = hostdiff.children.find((c) => c.name === 'a' || c.name === 'b');
    if (side) {
      // A host in one scan only: ndiff prints the whole host.
      const host = kid(side, 'host');
      const key = ndiffHostKey(kids(host, 'address'));
      report.hosts.add(key);
      for (const port of kids(kid(host, 'ports'), 'port')) report.ports.add(portKey(key, port));
      const sides = wholeHost.get(key) ?? new Set();
      sides.add(side.name as 'a' | 'b');
      wholeHost.set(key, sides);
      continue;
    }
    const host = kid(hostdiff, 'host');
    const addresses = [
      ...kids(host, 'address'),
      ...kids(kid(host, 'a'), 'address'),
      ...kids(kid(host, 'b'), 'address'),
    ];
    const key = ndiffHostKey(addresses);
    report.hosts.add(key);
    const ports = kid(host, 'ports');
    const shared = kids(ports, 'extraports');
    const extra = {
      a: new Set([...shared, ...kids(kid(ports, 'a'), 'extraports')].map((e) => e.attrs.state)),
      b: new Set([...shared, ...kids(kid(ports, 'b'), 'extraports')].map((e) => e.attrs.state)),
    };
    for (const portdiff of kids(ports, 'portdiff')) {
      const both = kid(portdiff, 'port');
      const a = kid(kid(portdiff, 'a'), 'port');
      const b = kid(kid(portdiff, 'b'), 'port');
      const any = both ?? a ?? b;
      if (!any) throw new Error(`ndiff portdiff without a port for ${key}`);
      report.ports.add(portKey(key, any));
      // Listed on one side only, in the one state the other side summarises its unlisted ports in.
      const stateA = kid(a, 'state')?.attrs.state;
      const stateB = kid(b, 'state')?.attrs.state;
      const sole = (s: Set<string | undefined>) => (s.size === 1 ? [...s][0] : undefined);
      if (
        (stateA === undefined && stateB !== undefined && sole(extra.a) === stateB) ||
        (stateB === undefined && stateA !== undefined && sole(extra.b) === stateA)
      ) {
        report.summarisedSame.add(portKey(key, any));
      }
    }
  }
  for (const [key, sides] of wholeHost) if (sides.size === 2) report.renamed.add(key);
  return report;
}

// --- our side ---------------------------------------------------------------------------------

interface OurReport {
  hosts: Set<string>;
  ports: Set<string>;
  /** Service changes in the tunnel only (e.g. ssl/http -> http), which ndiff does not compare. */
  tunnelOnly: Set<string>;
}

function readOurReport(changes: Change[]): OurReport {
  const report: OurReport = { hosts: new Set(), ports: new Set(), tunnelOnly: new Set() };
  for (const change of changes) {
    report.hosts.add(change.address);
    if (change.type === 'host-appeared' || change.type === 'host-removed') {
      const host = change.type === 'host-appeared' ? change.after : change.before;
      for (const p of host.ports) report.ports.add(`${change.address} ${p.protocol}/${p.port}`);
    } else if ('port' in change) {
      const key = `${change.address} ${change.protocol}/${change.port}`;
      report.ports.add(key);
      if (change.type === 'service-changed') {
        const { tunnel: _a, ...before } = change.before;
        const { tunnel: _b, ...after } = change.after;
        if (JSON.stringify(before) === JSON.stringify(after)) report.tunnelOnly.add(key);
      }
    }
  }
  for (const key of report.ports) {
    const changesOfPort = changes.filter(
      (c) => 'port' in c && `${c.address} ${c.protocol}/${c.port}` === key,
    );
    if (changesOfPort.some((c) => c.type !== 'service-changed')) report.tunnelOnly.delete(key);
  }
  return report;
}

const parseFile = (file: string): Promise<NetworkObservation> => parseNmapXml(createReadStream(file));
const minus = (a: Set<string>, ...b: Set<string>[]) => [...a].filter((x) => !b.some((s) => s.has(x))).sort();

describe('drift parity with nmap ndiff over its own test scans', () => {
  const observed: string[] = [];

  afterAll(() => {
    if (observed.length > 0) process.stdout.write(`ndiff parity:\n  ${observed.join('\n  ')}\n`);
  });

  it('finds the ndiff scans (set DRIFTWATCH_FIXTURES_DIR or check out ../shared) and the ndiff tool', async () => {
    assertCorpusPresent(NDIFF_DIR);
    expect(readdirSync(NDIFF_DIR).filter((f) => f.endsWith('.xml')).length).toBeGreaterThan(1);
    await expect(run('ndiff', ['--help'])).resolves.toBeDefined();
  });

  const files = existsSync(NDIFF_DIR)
    ? readdirSync(NDIFF_DIR)
        .filter((f) => f.endsWith('.xml'))
        .sort()
    : [];
  const pairs = files.flatMap((a) => files.filter((b) => b !== a).map((b) => [a, b]));

  it.each(files.map((f) => [f]))('%s against itself: no changes, as ndiff says', async (file) => {
    const full = path.join(NDIFF_DIR, file);
    const oracle = await runNdiff(full, full);
    expect(oracle.exitCode).toBe(0);
    const scan = await parseFile(full);
    expect(diffObservations(scan, scan)).toEqual([]);
  });

  it.each(pairs)(
    '%s -> %s: reports the hosts and ports ndiff reports as changed, and no others',
    async (a, b) => {
      const fileA = path.join(NDIFF_DIR, a);
      const fileB = path.join(NDIFF_DIR, b);
      const [oracle, before, after] = await Promise.all([
        runNdiff(fileA, fileB),
        parseFile(fileA),
        parseFile(fileB),
      ]);
      const changes = diffObservations(before, after);
      if (oracle.exitCode > 1) {
        // No oracle for this pair, but only for ndiff's one known defect; our diff still runs.
        expect(oracle.stderr).toMatch(KNOWN_NDIFF_CRASH);
        observed.push(
          `${a} -> ${b}: ndiff crashed (ScriptResult TypeError); ours: ${changes.length} changes`,
        );
        return;
      }
      const theirs = readNdiffReport(oracle.stdout);
      const ours = readOurReport(changes);

      expect([...ours.hosts].sort()).toEqual([...theirs.hosts].sort());
      // Nothing ndiff considers unchanged (a tunnel-only service change is ours alone).
      expect(minus(ours.ports, theirs.ports, ours.tunnelOnly)).toEqual([]);
      // Everything ndiff reports, except a renamed host's ports (ndiff re-reports the whole host)
      // and ports listed on one side and summarised in that same state on the other.
      const renamedPorts = new Set(
        [...theirs.ports].filter((p) => theirs.renamed.has(p.split(' ')[0] ?? '')),
      );
      expect(minus(theirs.ports, ours.ports, renamedPorts, theirs.summarisedSame)).toEqual([]);
      // The deliberate differences, checked positively.
      for (const address of theirs.renamed) {
        expect(changes).toContainEqual(expect.objectContaining({ type: 'hostname-changed', address }));
      }
      expect([...theirs.summarisedSame].filter((p) => ours.ports.has(p))).toEqual([]);
      expect(changes.length > 0).toBe(oracle.exitCode === 1);

      observed.push(
        `${a} -> ${b}: ndiff exit ${oracle.exitCode}, ${theirs.hosts.size} hosts / ${theirs.ports.size} ports; ` +
          `ours ${changes.length} changes, ${ours.hosts.size} hosts / ${ours.ports.size} ports` +
          (theirs.renamed.size > 0 ? `; renamed: ${[...theirs.renamed].join(', ')}` : '') +
          (theirs.summarisedSame.size > 0 ? `; summarised-same: ${theirs.summarisedSame.size}` : ''),
      );
    },
  );

  // The CLI skips hosts whose XML is unchanged between the files and parses only the rest;
  // its output must equal the library's diff of both files parsed whole, for every pair.
  it.each([...pairs, ...files.map((f) => [f, f])])(
    'the built CLI (host-block fast path) prints exactly the full diff: %s -> %s',
    async (a, b) => {
      if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build it first (npx nest build cli)`);
      const fileA = path.join(NDIFF_DIR, a ?? '');
      const fileB = path.join(NDIFF_DIR, b ?? '');
      const result = await run(process.execPath, [CLI, 'diff', fileA, fileB, '--format', 'json'], {
        env: { PATH: process.env.PATH ?? '' },
        maxBuffer: 64 * 1024 * 1024,
      }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );
      const [before, after] = await Promise.all([parseFile(fileA), parseFile(fileB)]);
      const expected = diffObservations(before, after);
      expect(result.code).toBe(expected.length > 0 ? 1 : 0);
      expect(JSON.parse(result.stdout)).toEqual(JSON.parse(JSON.stringify({ changes: expected })));
    },
  );

  it("recognises ndiff's known crash on a port with two scripts, and still reports the script change", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'driftwatch-ndiff-'));
    try {
      const scan = (cipherGrade: string) => `<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap -sV --script ssl-cert,ssl-enum-ciphers -p 443 192.0.2.10" start="1700000000" version="7.93" xmloutputversion="1.05">
<host><status state="up" reason="syn-ack"/><address addr="192.0.2.10" addrtype="ipv4"/>
<ports><port protocol="tcp" portid="443"><state state="open" reason="syn-ack"/><service name="https" method="table" conf="3"/>
<script id="ssl-cert" output="Subject: commonName=shop.example"/>
<script id="ssl-enum-ciphers" output="least strength: ${cipherGrade}"/>
</port></ports></host>
<runstats><finished time="1700000001" exit="success"/><hosts up="1" down="0" total="1"/></runstats>
</nmaprun>
`;
      const fileA = path.join(dir, 'a.xml');
      const fileB = path.join(dir, 'b.xml');
      writeFileSync(fileA, scan('A'));
      writeFileSync(fileB, scan('C'));
      const oracle = await runNdiff(fileA, fileB);
      expect(oracle.exitCode).toBe(2);
      expect(oracle.stderr).toMatch(KNOWN_NDIFF_CRASH);
      const changes = diffObservations(await parseFile(fileA), await parseFile(fileB));
      expect(changes).toEqual([
        {
          type: 'port-script-changed',
          address: '192.0.2.10',
          port: 443,
          protocol: 'tcp',
          before: { id: 'ssl-enum-ciphers', output: 'least strength: A' },
          after: { id: 'ssl-enum-ciphers', output: 'least strength: C' },
        },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
