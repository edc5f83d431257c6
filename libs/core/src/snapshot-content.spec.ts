import { contentHash } from './canonical-json';
import {
  assembleHosts,
  canonicalContent,
  hostRecords,
  portRecords,
  snapshotContentHash,
} from './snapshot-content';
import type { HostObservation, PortObservation } from './snapshot.model';

const port = (n: number, protocol: PortObservation['protocol'] = 'tcp'): PortObservation => ({
  protocol,
  port: n,
  state: 'open',
  reason: 'syn-ack',
  service: { name: 'svc', cpe: [] },
  scripts: [{ id: 'banner', output: `port ${n}`, elems: [], tables: [] }],
});
const host = (
  addr: string,
  ports: PortObservation[],
  extra: Partial<HostObservation> = {},
): HostObservation => ({
  status: 'up',
  addresses: [{ addr, type: addr.includes(':') ? 'ipv6' : 'ipv4' }],
  hostnames: [{ name: `h-${addr}`, type: 'PTR' }],
  ports,
  extraPorts: [{ state: 'closed', count: 98 }],
  os: [],
  scripts: [],
  startTime: '1700000000',
  endTime: '1700000005',
  ...extra,
});

describe('snapshot content', () => {
  it('orders hosts by address and ports by protocol and port, without per-host timing', () => {
    const { hosts } = canonicalContent([
      host('10.0.0.10', [port(443), port(53, 'udp'), port(22)]),
      host('2001:db8::1', []),
      host('10.0.0.9', []),
    ]);
    expect(hosts.map((h) => h.addresses[0]?.addr)).toEqual(['10.0.0.9', '10.0.0.10', '2001:db8::1']);
    expect(hosts[1]?.ports.map((p) => `${p.port}/${p.protocol}`)).toEqual(['22/tcp', '443/tcp', '53/udp']);
    expect(hosts[0]).not.toHaveProperty('startTime');
  });

  it('keeps the last report of an address nmap listed twice and says which', () => {
    const result = canonicalContent([host('10.0.0.1', [port(22)]), host('10.0.0.1', [port(80)])]);
    expect(result.duplicates).toEqual(['10.0.0.1']);
    expect(result.hosts).toHaveLength(1);
    expect(result.hosts[0]?.ports.map((p) => p.port)).toEqual([80]);
  });

  it('refuses a host without any address instead of dropping it', () => {
    expect(() => canonicalContent([host('10.0.0.1', [], { addresses: [] })])).toThrow(/hosts\[0\]/);
  });

  it('rebuilds exactly the hashed content from its host and port records', () => {
    const { hosts } = canonicalContent([
      host('10.0.0.2', [port(80), port(22)]),
      host('10.0.0.1', [], { status: 'down', statusReason: 'no-response' }),
    ]);
    const stored = JSON.parse(JSON.stringify({ hosts: hostRecords(hosts), ports: portRecords(hosts) })) as {
      hosts: ReturnType<typeof hostRecords>;
      ports: ReturnType<typeof portRecords>;
    };
    const rebuilt = assembleHosts(
      stored.hosts,
      stored.ports.map((p) => ({ ...p, attributes: p.attributes as never })),
    );
    expect(snapshotContentHash(rebuilt)).toBe(snapshotContentHash(hosts));
    expect(rebuilt).toEqual(JSON.parse(JSON.stringify(hosts)));
  });

  it('hashes the stored hosts, host by host, to the sha256 of their canonical JSON as one list', () => {
    const withFacts = { ...port(443), tls: { versions: ['TLSv1.0'] } } as unknown as PortObservation;
    const { hosts } = canonicalContent([
      host('10.0.0.2', [withFacts, port(22)]),
      host('10.0.0.1', [port(80)]),
    ]);
    const stored = hosts.map((h) => ({
      ...h,
      ports: h.ports.map(({ protocol, port: n, state, reason, service, scripts }) => ({
        protocol,
        port: n,
        state,
        reason,
        service,
        scripts,
      })),
    }));
    // The value every stored snapshot's audit entry holds: derived facts are not part of it.
    expect(snapshotContentHash(hosts)).toBe(contentHash(stored));
    expect(snapshotContentHash([])).toBe(contentHash([]));
  });

  it('hashes host attributes without ports or timing', () => {
    const [a] = hostRecords([host('10.0.0.1', [port(22)])]);
    const [b] = hostRecords([host('10.0.0.1', [], { startTime: '1', endTime: '2' })]);
    expect(a?.attributesHash).toBe(b?.attributesHash);
    expect(a?.attributesHash).toBe(contentHash(a?.attributes));
  });
});

describe('snapshot content of web ports', () => {
  it('stores http-headers output without its per-request Date line, so a rescan is no change', () => {
    const web = (date: string) =>
      host('10.0.0.1', [
        {
          ...port(80),
          scripts: [
            {
              id: 'http-headers',
              output: `\n  Server: nginx\n  Date: ${date}\n  Connection: close\n\n  (Request type: HEAD)\n`,
              elems: [],
              tables: [],
            },
          ],
        },
      ]);
    const first = canonicalContent([web('Mon, 23 Nov 2026 10:00:00 GMT')]).hosts;
    const again = canonicalContent([web('Mon, 23 Nov 2026 16:00:00 GMT')]).hosts;
    expect(snapshotContentHash(again)).toBe(snapshotContentHash(first));
    expect(portRecords(again)[0]?.attributesHash).toBe(portRecords(first)[0]?.attributesHash);
    expect(first[0]?.ports[0]?.scripts[0]?.output).not.toMatch(/Date:/);
    expect(first[0]?.ports[0]?.scripts[0]?.output).toMatch(/Server: nginx/);
  });
});

describe('snapshot content with several scripts on a port', () => {
  it('orders scripts by id: NSE finishes them in no fixed order, which is no change', () => {
    const script = (id: string) => ({ id, output: id, elems: [], tables: [] });
    const a = canonicalContent([
      host('10.0.0.1', [{ ...port(80), scripts: [script('http-headers'), script('http-server-header')] }]),
    ]);
    const b = canonicalContent([
      host('10.0.0.1', [{ ...port(80), scripts: [script('http-server-header'), script('http-headers')] }]),
    ]);
    expect(snapshotContentHash(b.hosts)).toBe(snapshotContentHash(a.hosts));
    expect(b.hosts[0]?.ports[0]?.scripts.map((s) => s.id)).toEqual(['http-headers', 'http-server-header']);
  });
});
