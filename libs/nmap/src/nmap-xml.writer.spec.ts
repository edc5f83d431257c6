import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  canonicalContent,
  DriftwatchError,
  ErrorCode,
  PORT_STATES,
  PROTOCOLS,
  snapshotContentHash,
  type HostObservation,
  type HostStatus,
  type NetworkObservation,
  type PortObservation,
  type ScanRunInfo,
  type ScriptElement,
  type ScriptResult,
  type ScriptTable,
  type ServiceInfo,
} from '@driftwatch/core';
import { withPortFacts } from './facts';
import { parseNmapXml, parseNmapXmlWithSax } from './nmap-xml.parser';
import { nmapXmlParts, renderNmapXml } from './nmap-xml.writer';
import { parserDocument, parserHost, scannerDocument, scannerHost, SSH_PORT } from './testing/nmap-documents';

const COMMENT = 'Rendered by Driftwatch from stored snapshot 42 -- not a live nmap run';

/**
 * parse → render → parse: the second observation holds the same canonical content (same content
 * hash, deep-equal hosts) and the same run info; both parse engines read the rendered document
 * alike; and rendering the second observation gives the very same text (the writer is a fixed point).
 */
async function expectRoundTrip(first: NetworkObservation): Promise<string> {
  const xml = renderNmapXml(first, { comment: COMMENT });
  const second = await parseNmapXml(xml);
  const before = canonicalContent(first.hosts).hosts;
  const after = canonicalContent(second.hosts).hosts;
  expect(snapshotContentHash(after)).toBe(snapshotContentHash(before));
  expect(after).toEqual(before);
  expect(second.run).toEqual(first.run);
  expect((await parseNmapXmlWithSax(xml)).observation).toEqual(second);
  expect(renderNmapXml(second, { comment: COMMENT })).toBe(xml);
  return xml;
}

// ---------------------------------------------------------------------------------------------
// The XML fixtures of this library: the __fixtures__ folders, and the documents written inline in
// the parser, scanner, host-blocks and runner specs (reproduced here, as those are not exported).

function fixtureFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      if (!statSync(full).isDirectory()) return [];
      if (name === '__fixtures__') {
        return readdirSync(full)
          .filter((f) => f.endsWith('.xml'))
          .sort()
          .map((f) => path.join(full, f));
      }
      return fixtureFiles(full);
    });
}

function blocksHost(addr: string, port: number, state: string): string {
  return `<host starttime="1700000000" endtime="1700000005"><status state="up" reason="syn-ack" reason_ttl="0"/>
<address addr="${addr}" addrtype="ipv4"/><address addr="00:11:22:33:44:55" addrtype="mac" vendor="Acme"/>
<hostnames><hostname name="h-${addr}" type="PTR"/></hostnames>
<ports><port protocol="tcp" portid="${port}"><state state="${state}" reason="syn-ack" reason_ttl="0"/><service name="ssh" method="table" conf="3"/></port></ports>
<times srtt="100" rttvar="50" to="100000"/>
</host>`;
}

const SSL_CERT_SCRIPT = `<script id="ssl-cert" output="Subject: commonName=web&#xa;Issuer: x &amp; y">
<table key="subject"><elem key="commonName">web</elem><elem key="organizationName">A &amp; B</elem></table>
<table key="extensions"><table><elem key="name">X509v3 Subject Alternative Name</elem><table key="values"><elem>DNS:web</elem><elem>DNS:www</elem></table></table></table>
<elem key="sig_algo">sha256WithRSAEncryption</elem><elem key="empty"></elem>
</script>`;

const INLINE_DOCUMENTS: [string, string][] = [
  ['parser: run info only', parserDocument('')],
  [
    'parser: a port without <service>, and a second host',
    parserDocument(
      parserHost(
        '<port protocol="tcp" portid="40000"><state state="open" reason="syn-ack" reason_ttl="64"/></port>' +
          '<port protocol="tcp" portid="80"><state state="open" reason="syn-ack"/><service name="http"/>' +
          '<script id="http-title" output="Save 50 percent today"><elem key="title">Save 50 percent today</elem></script></port>',
      ) + parserHost('').replace('192.0.2.10', '192.0.2.11'),
    ),
  ],
  [
    'parser: nested NSE tables, keyless and empty elems',
    parserDocument(
      parserHost(
        `<port protocol="tcp" portid="443"><state state="open"/><service name="https" tunnel="ssl"/>${SSL_CERT_SCRIPT}</port>`,
      ),
    ),
  ],
  [
    'parser: host scripts, OS matches, extraports, host times',
    parserDocument(
      parserHost(
        '<extraports state="closed" count="998"><extrareasons reason="reset" count="998"/></extraports>',
        '<os><osmatch name="Linux 5.0 - 5.14" accuracy="98" line="1"><osclass type="general purpose" accuracy="98"/></osmatch>' +
          '<osmatch name="Linux 4.15" accuracy="91" line="2"/></os>' +
          '<hostscript><script id="smb-os-discovery" output="OS: Unix"><elem key="os">Unix</elem></script></hostscript>',
      ),
    ),
  ],
  [
    'parser: every service attribute and a cpe list',
    parserDocument(
      parserHost(
        '<port protocol="tcp" portid="22"><state state="open" reason="syn-ack"/>' +
          '<service name="ssh" product="OpenSSH" version="9.2p1 Debian 2" extrainfo="protocol 2.0" tunnel="ssl" ostype="Linux" hostname="h1" devicetype="router" method="probed" conf="10">' +
          '<cpe>cpe:/a:openbsd:openssh:9.2p1</cpe><cpe>cpe:/o:linux:linux_kernel</cpe></service></port>',
      ),
    ),
  ],
  [
    'parser: IPv4, IPv6 and MAC addresses, an empty vendor, a host hint',
    parserDocument(
      '<hosthint><status state="up" reason="arp-response"/><address addr="192.0.2.99" addrtype="ipv4"/></hosthint>' +
        '<host><status state="up" reason="nd-response"/><address addr="2001:db8::10" addrtype="ipv6"/>' +
        '<address addr="192.0.2.10" addrtype="ipv4"/><address addr="00:11:22:AA:BB:CC" addrtype="mac" vendor="Acme Networks"/>' +
        '<address addr="10.9.9.9" addrtype="ipv4" vendor=""/><hostnames/></host>',
    ),
  ],
  [
    'parser: every port state, on tcp, udp and sctp',
    parserDocument(
      parserHost(
        PORT_STATES.map(
          (state, i) =>
            `<port protocol="tcp" portid="${1000 + i}"><state state="${state}" reason="r"/></port>`,
        ).join('') +
          '<port protocol="udp" portid="53"><state state="open|filtered" reason="no-response"/></port>' +
          '<port protocol="sctp" portid="2905"><state state="closed" reason="abort"/></port>',
      ),
    ),
  ],
  [
    'parser: down, up and unknown hosts',
    parserDocument(
      '<host><status state="down" reason="no-response"/><address addr="192.0.2.3" addrtype="ipv4"/></host>' +
        '<host><status state="up" reason="user-set"/><address addr="192.0.2.1" addrtype="ipv4"/></host>' +
        '<host><address addr="192.0.2.2" addrtype="ipv4"/></host>',
    ),
  ],
  [
    'parser: a run nmap ended with an error',
    parserDocument(
      '',
      '<runstats><finished time="1700000001" exit="error" errormsg="Failed to open device eth9"/><hosts up="0" down="0" total="0"/></runstats>',
    ),
  ],
  [
    'parser: a skipped target and unicode in a product',
    parserDocument(
      '<target specification="nosuch.example.test" status="skipped" reason="invalid"/>' +
        parserHost(
          '<port protocol="tcp" portid="80"><state state="open"/><service name="http" product="Café – ünïcode ✓"/></port>',
        ),
    ),
  ],
  ['scanner: a typical host', scannerDocument(scannerHost(SSH_PORT))],
  ['scanner: several hosts', scannerDocument(scannerHost(SSH_PORT) + scannerHost(SSH_PORT, '192.0.2.2'))],
  [
    'scanner: named, decimal, hex, astral and HTML entities',
    scannerDocument(
      scannerHost(
        `<port protocol="tcp" portid="80"><state state="open"/><service name="http" product="A &amp; B &lt;x&gt; &quot;q&quot; &apos;s&apos; &#65;&#x42;&#X43;&#0068; &#x1F600; &AMP; &nbsp;&copy;"/>` +
          `<script id="t" output="line1&#xa;line2&#9;tab"><elem key="k">v &amp; w &#x263A; &lt;tag&gt;</elem><elem>&#128512;</elem></script></port>`,
      ),
    ),
  ],
  [
    'scanner: CDATA, comments and processing instructions inside elements',
    scannerDocument(
      scannerHost(
        `<port protocol="tcp" portid="80"><state state="open"/><service name="http"><cpe><![CDATA[cpe:/a:x]]><!-- c --><?pi x?>:y</cpe><cpe><![cdata[cpe:/b]]]></cpe></service>` +
          `<script id="s" output="o"><elem key="a">one<![CDATA[ <two> & ]]>three<!---->four</elem></script></port>`,
      ),
    ),
  ],
  [
    'scanner: whitespace inside tags, single quotes, a newline in a value',
    `<?xml version="1.0"?>\n< nmaprun\n  args = 'a "b"'\tversion="7.93" >\n<  host><status state='up'/><address addr="192.0.2.9"\n addrtype="ipv4" /></ host ></nmaprun >`,
  ],
  [
    'scanner: a BOM, CRLF line ends and tabs',
    `\uFEFF<?xml version="1.0"?>\r\n<nmaprun>\r\n\t<host><address addr="192.0.2.1" addrtype="ipv4"/></host>\r\n</nmaprun>\r\n<!-- end -->\r\n<?done?>\n`,
  ],
  [
    'scanner: > and < inside attribute values',
    `<?a ?? >?><?b ???><nmaprun args="x > y < z" version="7"><?c x>y?></nmaprun>`,
  ],
  [
    'scanner: non-ASCII text and unknown elements',
    scannerDocument(
      scannerHost(
        `<port protocol="tcp" portid="443"><state state="open"/><service name="https" product="Café – ünïcode ✓ 日本"/><extra xmlns:x="u" x:é-1.2="v"><é/></extra></port>`,
      ),
    ),
  ],
  [
    'scanner: duplicate attributes',
    scannerDocument(
      scannerHost(`<port protocol="tcp" portid="25" portid="26"><state state="open" state="closed"/></port>`),
    ),
  ],
  ['scanner: an empty self-closing root', `<nmaprun/>`],
  [
    'scanner: a script output of 70 KiB',
    scannerDocument(
      scannerHost(
        `<port protocol="tcp" portid="1"><state state="open"/><script id="big" output="${'x'.repeat(70_000)}"/></port>`,
      ),
    ),
  ],
  [
    'host blocks: MAC vendors and <times>',
    `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n<nmaprun scanner="nmap" args="nmap -p 22" start="1700000000" version="7.93" xmloutputversion="1.05">\n${blocksHost('10.0.0.1', 22, 'open')}\n${blocksHost('10.0.0.2', 22, 'closed')}\n<runstats><finished time="1700000010" timestr="x" summary="done" elapsed="10" exit="success"/><hosts up="2" down="0" total="2"/></runstats>\n</nmaprun>\n`,
  ],
  [
    'runner: the minimal successful run',
    `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n<nmaprun scanner="nmap" args="nmap" start="1700000000" version="7.93">\n<host><status state="up" reason="user-set"/><address addr="127.0.0.1" addrtype="ipv4"/>\n<ports><port protocol="tcp" portid="22"><state state="open" reason="syn-ack"/></port></ports></host>\n<runstats><finished time="1700000001" exit="success"/><hosts up="1" down="0" total="1"/></runstats>\n</nmaprun>\n`,
  ],
];

// ---------------------------------------------------------------------------------------------
// Generated observations, from a small seeded PRNG (mulberry32): reproducible from the seed.

class Random {
  constructor(private state: number) {}

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  times<T>(max: number, make: (i: number) => T): T[] {
    return Array.from({ length: this.int(max + 1) }, (_, i) => make(i));
  }
}

// Pieces chosen to break a naive writer: markup and quote characters, entity look-alikes, CDATA
// and comment terminators, whitespace a conforming parser would normalize, multi-byte and astral.
const PIECES = [
  'a',
  'web',
  'OpenSSH',
  '9.2p1',
  ' ',
  '<',
  '>',
  '&',
  '"',
  "'",
  '<script>',
  '&amp;',
  '&#10;',
  '&lt;',
  ']]>',
  '--',
  '-->',
  '\n',
  '\t',
  '\r\n',
  '\r',
  '  ',
  'Café',
  'ünïcode ✓',
  '日本語',
  '😀',
  '\u00a0',
  '\u2028',
  '%',
  '=',
  '/',
  '?>',
];

function oddText(random: Random, maxPieces = 6): string {
  return random.times(maxPieces, () => random.pick(PIECES)).join('');
}

function nonEmpty(random: Random, maxPieces = 6): string {
  return oddText(random, maxPieces) || 'x';
}

/** Optional model fields are absent or non-empty: the parser drops empty optional attributes. */
function optional(random: Random, p = 0.6): string | undefined {
  return random.chance(p) ? nonEmpty(random) : undefined;
}

function isoSeconds(random: Random): string {
  return new Date((1_600_000_000 + random.int(200_000_000)) * 1000).toISOString();
}

function withDefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function generateTable(random: Random, depth: number): ScriptTable {
  return withDefined<ScriptTable>({
    key: optional(random, 0.7),
    elems: random.times(4, () => generateElem(random)),
    tables: depth > 0 ? random.times(2, () => generateTable(random, depth - 1)) : [],
  });
}

function generateElem(random: Random): ScriptElement {
  return withDefined<ScriptElement>({ key: optional(random, 0.7), value: oddText(random, 10) });
}

function generateScript(random: Random): ScriptResult {
  const structured = random.chance(0.6);
  return {
    id: random.pick(['ssl-cert', 'http-headers', 'ssh2-enum-algos', 'banner', nonEmpty(random)]),
    output: oddText(random, 20),
    elems: structured ? random.times(5, () => generateElem(random)) : [],
    tables: structured ? random.times(3, () => generateTable(random, 3)) : [],
  };
}

function generateService(random: Random): ServiceInfo {
  return withDefined<ServiceInfo>({
    name: optional(random, 0.9),
    product: optional(random),
    version: optional(random),
    extraInfo: optional(random),
    tunnel: random.chance(0.2) ? 'ssl' : undefined,
    method: random.chance(0.5) ? random.pick(['probed', 'table']) : undefined,
    confidence: random.chance(0.5) ? random.int(11) : undefined,
    osType: optional(random, 0.3),
    hostname: optional(random, 0.3),
    deviceType: optional(random, 0.3),
    // The parser trims a <cpe> and drops an empty one, so the model only holds trimmed values.
    cpe: random.times(3, () => `cpe:/a:${oddText(random, 4)}`.trim()),
  });
}

function generatePort(random: Random): PortObservation {
  return withDefined<PortObservation>({
    protocol: random.pick(PROTOCOLS),
    port: random.chance(0.1) ? random.pick([0, 65535]) : random.int(65536),
    state: random.pick(PORT_STATES),
    reason: optional(random),
    service: random.chance(0.7) ? generateService(random) : undefined,
    scripts: random.times(3, () => generateScript(random)),
  });
}

const HOST_STATUSES: readonly HostStatus[] = ['up', 'down', 'unknown', 'skipped'];

function generateHost(random: Random, index: number): HostObservation {
  const ipv4 = `10.${index >> 16}.${(index >> 8) & 255}.${index & 255}`;
  const addresses: HostObservation['addresses'] = [];
  if (random.chance(0.3)) addresses.push({ addr: `2001:db8::${index.toString(16)}`, type: 'ipv6' });
  if (random.chance(0.9) || addresses.length === 0) addresses.push({ addr: ipv4, type: 'ipv4' });
  if (random.chance(0.4)) {
    addresses.push(
      withDefined({ addr: '00:11:22:33:44:55', type: 'mac' as const, vendor: optional(random, 0.7) }),
    );
  }
  return withDefined<HostObservation>({
    status: random.pick(HOST_STATUSES),
    statusReason: optional(random),
    addresses,
    hostnames: random.times(3, () =>
      withDefined({
        name: nonEmpty(random),
        type: random.chance(0.7) ? random.pick(['PTR', 'user']) : undefined,
      }),
    ),
    ports: random.times(random.chance(0.2) ? 200 : 25, () => generatePort(random)),
    extraPorts: random.times(2, () => ({
      state: random.chance(0.8) ? random.pick(['closed', 'filtered']) : oddText(random),
      count: random.int(70_000),
    })),
    os: random.times(3, () => ({ name: oddText(random), accuracy: random.int(101) })),
    scripts: random.times(2, () => generateScript(random)),
    startTime: random.chance(0.7) ? isoSeconds(random) : undefined,
    endTime: random.chance(0.7) ? isoSeconds(random) : undefined,
  });
}

function generateRun(random: Random): ScanRunInfo {
  return withDefined<ScanRunInfo>({
    scanner: 'nmap',
    version: optional(random, 0.9),
    // args is kept even when empty (nmap writes args="" for none).
    args: random.chance(0.9) ? oddText(random, 8) : undefined,
    startedAt: random.chance(0.9) ? isoSeconds(random) : undefined,
    finishedAt: random.chance(0.9) ? isoSeconds(random) : undefined,
    exit: random.chance(0.8) ? random.pick(['success', 'error'] as const) : undefined,
    summary: optional(random),
    errorMessage: optional(random, 0.2),
    hostsUp: random.int(1000),
    hostsDown: random.int(1000),
    hostsTotal: random.int(2000),
  });
}

function generateObservation(seed: number): NetworkObservation {
  const random = new Random(seed);
  return {
    run: generateRun(random),
    hosts: random.times(12, (i) => generateHost(random, i + 1)),
  };
}

function observation(hosts: HostObservation[], run: Partial<ScanRunInfo> = {}): NetworkObservation {
  return {
    run: { scanner: 'nmap', hostsUp: hosts.length, hostsDown: 0, hostsTotal: hosts.length, ...run },
    hosts,
  };
}

function host(ports: PortObservation[], extra: Partial<HostObservation> = {}): HostObservation {
  return {
    status: 'up',
    addresses: [{ addr: '192.0.2.10', type: 'ipv4' }],
    hostnames: [],
    ports,
    extraPorts: [],
    os: [],
    scripts: [],
    ...extra,
  };
}

describe('renderNmapXml', () => {
  describe('round trip over the XML fixtures of libs/nmap', () => {
    const files = fixtureFiles(__dirname);

    it('finds the __fixtures__ documents', () => {
      expect(files.length).toBeGreaterThan(0);
    });

    it.each(files.map((file) => [path.relative(__dirname, file), file]))(
      '%s parses, renders and parses back to the same content and run info',
      async (_name, file) => {
        await expectRoundTrip(await parseNmapXml(readFileSync(file, 'utf8')));
      },
    );

    it.each(INLINE_DOCUMENTS)(
      'the inline document "%s" parses, renders and parses back to the same content and run info',
      async (_name, xml) => {
        await expectRoundTrip(await parseNmapXml(xml));
      },
    );

    it('keeps the facts derived again from the rendered scripts equal to the original ones', async () => {
      const parsed = await parseNmapXml(
        readFileSync(path.join(__dirname, 'facts', '__fixtures__', 'local-tls-ssh.xml'), 'utf8'),
      );
      const withFacts = { ...parsed, hosts: withPortFacts(parsed.hosts) };
      expect(withFacts.hosts.some((h) => h.ports.some((p) => p.tls || p.ssh))).toBe(true);
      const reparsed = await parseNmapXml(renderNmapXml(withFacts));
      expect(withPortFacts(reparsed.hosts)).toEqual(withFacts.hosts);
    });
  });

  describe('round trip over generated observations (seeded)', () => {
    const SEEDS = Array.from({ length: 40 }, (_, i) => [0x5eed + i * 7919]);

    it.each(SEEDS)('seed %d: renders a document that parses back to the same observation', async (seed) => {
      const generated = generateObservation(seed);
      await expectRoundTrip(generated);
      // Generated observations are already in the parser's own shape: the parse is exact.
      expect(await parseNmapXml(renderNmapXml(generated))).toEqual(generated);
    });

    it.each(SEEDS.slice(0, 5))('seed %d: the parts, one per host, join to the rendered document', (seed) => {
      const generated = generateObservation(seed);
      const parts = [...nmapXmlParts(generated, { comment: 'parts' })];
      expect(parts).toHaveLength(generated.hosts.length + 2);
      expect(parts.join('')).toBe(renderNmapXml(generated, { comment: 'parts' }));
      parts.slice(1, -1).forEach((part) => expect(part).toMatch(/^<host[ >][\s\S]*<\/host>\n$/));
    });

    it('generates the hard cases the property is about', () => {
      const all = SEEDS.map(([seed]) => generateObservation(seed ?? 0));
      const text = JSON.stringify(all);
      for (const needle of ['<', '>', '&', '\\"', "'", '\\n', '\\t', '\\r', ']]>', '--', '😀', '日本語']) {
        expect(text).toContain(needle);
      }
      const ports = all.flatMap((o) => o.hosts.flatMap((h) => h.ports));
      expect(Math.max(...all.flatMap((o) => o.hosts.map((h) => h.ports.length)))).toBeGreaterThan(100);
      expect(ports.some((p) => p.scripts.some((s) => s.tables.some((t) => t.tables.length > 0)))).toBe(true);
      expect(all.some((o) => o.hosts.some((h) => h.extraPorts.length > 0))).toBe(true);
    });
  });

  describe('document shape', () => {
    it('writes the nmap document skeleton: declaration, DOCTYPE, comment, nmaprun, hosts, runstats', () => {
      const xml = renderNmapXml(
        observation(
          [
            host(
              [
                {
                  protocol: 'tcp',
                  port: 22,
                  state: 'open',
                  reason: 'syn-ack',
                  service: {
                    name: 'ssh',
                    product: 'OpenSSH',
                    method: 'probed',
                    confidence: 10,
                    cpe: ['cpe:/a:openbsd:openssh'],
                  },
                  scripts: [
                    {
                      id: 'ssh-hostkey',
                      output: '\n  256 aa (ED25519)',
                      elems: [],
                      tables: [{ elems: [{ key: 'type', value: 'ssh-ed25519' }], tables: [] }],
                    },
                  ],
                },
              ],
              {
                statusReason: 'syn-ack',
                hostnames: [{ name: 'web.example.test', type: 'PTR' }],
                extraPorts: [{ state: 'closed', count: 999 }],
                os: [{ name: 'Linux 5.x', accuracy: 98 }],
                startTime: '2023-11-14T22:13:20.000Z',
                endTime: '2023-11-14T22:14:20.000Z',
              },
            ),
          ],
          {
            version: '7.93',
            args: 'nmap -sV 192.0.2.10',
            startedAt: '2023-11-14T22:13:20.000Z',
            finishedAt: '2023-11-14T22:15:00.000Z',
            exit: 'success',
            summary: 'done',
          },
        ),
        { comment: 'rendered from stored snapshot 7' },
      );
      expect(xml).toBe(
        `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<!-- rendered from stored snapshot 7 -->
<nmaprun scanner="nmap" args="nmap -sV 192.0.2.10" start="1700000000" startstr="Tue Nov 14 22:13:20 2023" version="7.93" xmloutputversion="1.05">
<host starttime="1700000000" endtime="1700000060"><status state="up" reason="syn-ack"/>
<address addr="192.0.2.10" addrtype="ipv4"/>
<hostnames>
<hostname name="web.example.test" type="PTR"/>
</hostnames>
<ports><extraports state="closed" count="999"/>
<port protocol="tcp" portid="22"><state state="open" reason="syn-ack"/><service name="ssh" product="OpenSSH" method="probed" conf="10"><cpe>cpe:/a:openbsd:openssh</cpe></service><script id="ssh-hostkey" output="&#10;  256 aa (ED25519)"><table><elem key="type">ssh-ed25519</elem></table></script></port>
</ports>
<os><osmatch name="Linux 5.x" accuracy="98"/>
</os>
</host>
<runstats><finished time="1700000100" timestr="Tue Nov 14 22:15:00 2023" summary="done" elapsed="100.00" exit="success"/><hosts up="1" down="0" total="1"/>
</runstats>
</nmaprun>
`,
      );
    });

    it('escapes markup, quotes and whitespace in attributes, and markup and CR in text', () => {
      const xml = renderNmapXml(
        observation([
          host([
            {
              protocol: 'tcp',
              port: 80,
              state: 'open',
              scripts: [
                {
                  id: 'x',
                  output: `<a href="b">&'\t\n\r</a>`,
                  elems: [{ value: `<b>&]]>'"\t\n\r` }],
                  tables: [],
                },
              ],
            },
          ]),
        ]),
      );
      expect(xml).toContain(`output="&lt;a href=&quot;b&quot;&gt;&amp;'&#9;&#10;&#13;&lt;/a&gt;"`);
      expect(xml).toContain(`<elem>&lt;b&gt;&amp;]]&gt;'"\t\n&#13;</elem>`);
    });

    it('writes no derived facts: TLS, SSH and HTTP facts are recomputed from the scripts', () => {
      const port: PortObservation = {
        protocol: 'tcp',
        port: 443,
        state: 'open',
        scripts: [],
        tls: { versions: ['TLSv1.0-MARKER'], ciphers: [], errors: [] },
        ssh: {
          kexAlgorithms: ['kex-MARKER'],
          hostKeyAlgorithms: [],
          encryptionAlgorithms: [],
          macAlgorithms: [],
          compressionAlgorithms: [],
          errors: [],
        },
        http: { headers: [{ name: 'Server', value: 'http-MARKER' }], errors: [] },
      };
      expect(renderNmapXml(observation([host([port])]))).not.toMatch(/MARKER|tls|ssh|http/);
    });

    it('writes the comment only when asked, with no "--" inside it', async () => {
      const plain = renderNmapXml(observation([]));
      expect(plain).not.toContain('<!--');
      const xml = renderNmapXml(observation([]), { comment: 'a -- b --- c-> d-' });
      const comment = /<!--([\s\S]*?)-->/.exec(xml)?.[1] ?? '';
      expect(comment).toBe(' a - - b - - - c-> d- ');
      expect(comment).not.toContain('--');
      await expect(parseNmapXml(xml)).resolves.toEqual(await parseNmapXml(plain));
    });

    it('writes a host with no ports, OS matches or scripts without those elements', () => {
      const xml = renderNmapXml(observation([host([], { status: 'down' })]));
      expect(xml).not.toMatch(/<ports|<os|<hostscript|<times/);
    });
  });

  describe('characters XML 1.0 does not allow', () => {
    const FORBIDDEN = '\u0000\u0001\u0008\u000b\u000c\u001f\udfff\ud800\ufffe\uffff'; // lone surrogates: low, then high

    it('replaces each with U+FFFD in attributes, text and comments, and the parser reads U+FFFD back', async () => {
      const value = `a${FORBIDDEN}b`;
      const xml = renderNmapXml(
        observation([
          host(
            [
              {
                protocol: 'tcp',
                port: 1,
                state: 'open',
                service: { product: value, cpe: [`cpe:/${value}`] },
                scripts: [{ id: 'x', output: value, elems: [{ key: value, value }], tables: [] }],
              },
            ],
            { hostnames: [{ name: value }] },
          ),
        ]),
        { comment: value },
      );
      // eslint-disable-next-line no-control-regex -- the point of the test
      expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udfff]/);
      const replaced = `a${'\ufffd'.repeat(FORBIDDEN.length)}b`;
      const parsed = await parseNmapXml(xml);
      const port = parsed.hosts[0]?.ports[0];
      expect(parsed.hosts[0]?.hostnames).toEqual([{ name: replaced }]);
      expect(port?.service).toEqual({ product: replaced, cpe: [`cpe:/${replaced}`] });
      expect(port?.scripts).toEqual([
        { id: 'x', output: replaced, elems: [{ key: replaced, value: replaced }], tables: [] },
      ]);
    });

    it('keeps astral characters (valid surrogate pairs) as they are', async () => {
      const xml = renderNmapXml(observation([host([], { hostnames: [{ name: '😀.example.test' }] })]));
      expect((await parseNmapXml(xml)).hosts[0]?.hostnames).toEqual([{ name: '😀.example.test' }]);
    });

    it('agrees with the parser, which refuses a reference to such a character', async () => {
      await expect(parseNmapXml('<nmaprun args="&#1;"/>')).rejects.toMatchObject({
        code: ErrorCode.NmapOutputInvalid,
      });
    });
  });

  describe('values the parser could not read back', () => {
    it.each([
      [
        'a port number above 65535',
        host([{ protocol: 'tcp', port: 70000, state: 'open', scripts: [] }]),
        'hosts[0].ports[0].port',
      ],
      [
        'a fractional extraports count',
        host([], { extraPorts: [{ state: 'closed', count: 1.5 }] }),
        'hosts[0].extraPorts[0].count',
      ],
      ['a negative OS accuracy', host([], { os: [{ name: 'x', accuracy: -1 }] }), 'hosts[0].os[0].accuracy'],
    ])('refuses %s, naming the field', (_name, badHost, field) => {
      let error: unknown;
      try {
        renderNmapXml(observation([badHost]));
      } catch (caught: unknown) {
        error = caught;
      }
      expect(error).toBeInstanceOf(DriftwatchError);
      expect(error).toMatchObject({ code: ErrorCode.ValidationFailed, details: { fields: [{ field }] } });
    });
  });
});
