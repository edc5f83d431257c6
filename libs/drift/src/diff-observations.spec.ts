import type { HostObservation, NetworkObservation, PortObservation } from '@driftwatch/core';

import { CHANGE_TYPES, type Change } from './change.model';
import { diffObservations } from './diff-observations';

const port = (
  p: number,
  state: PortObservation['state'],
  extra: Partial<PortObservation> = {},
): PortObservation => ({
  protocol: 'tcp',
  port: p,
  state,
  scripts: [],
  ...extra,
});

const host = (addr: string, extra: Partial<HostObservation> = {}): HostObservation => ({
  status: 'up',
  addresses: [{ addr, type: 'ipv4' }],
  hostnames: [],
  ports: [],
  extraPorts: [],
  os: [],
  scripts: [],
  ...extra,
});

const scan = (...hosts: HostObservation[]): NetworkObservation => ({
  run: { scanner: 'nmap', hostsUp: hosts.length, hostsDown: 0, hostsTotal: hosts.length },
  hosts,
});

const ssh = (version: string) => ({ name: 'ssh', product: 'OpenSSH', version, cpe: [] });
const types = (changes: Change[]) => changes.map((c) => c.type);

describe('diffObservations', () => {
  it('reports nothing for identical scans, even with every kind of detail present', () => {
    const h = host('10.0.0.5', {
      addresses: [
        { addr: '10.0.0.5', type: 'ipv4' },
        { addr: '00:11:22:33:44:55', type: 'mac', vendor: 'Acme' },
      ],
      hostnames: [{ name: 'db.example', type: 'PTR' }],
      ports: [
        port(22, 'open', {
          service: ssh('9.6'),
          scripts: [{ id: 'ssh-hostkey', output: 'k', elems: [], tables: [] }],
        }),
      ],
      extraPorts: [{ state: 'closed', count: 999 }],
      os: [{ name: 'Linux 6.1', accuracy: 98 }],
      scripts: [{ id: 'smb-os-discovery', output: 'x', elems: [], tables: [] }],
    });
    expect(diffObservations(scan(h), scan(structuredClone(h)))).toEqual([]);
  });

  it('ignores what ndiff ignores: reasons, confidence, cpe, accuracy, timestamps and host order', () => {
    const a = host('10.0.0.5', {
      ports: [
        port(22, 'open', { reason: 'syn-ack', service: { ...ssh('9.6'), confidence: 10, method: 'probed' } }),
      ],
      os: [{ name: 'Linux 6.1', accuracy: 98 }],
      startTime: '2024-01-01T00:00:00.000Z',
    });
    const b = host('10.0.0.5', {
      ports: [
        port(22, 'open', {
          reason: 'reset',
          service: { ...ssh('9.6'), cpe: ['cpe:/a:openbsd:openssh:9.6'] },
        }),
      ],
      os: [{ name: 'Linux 6.1', accuracy: 91 }],
      startTime: '2024-02-01T00:00:00.000Z',
    });
    expect(diffObservations(scan(host('10.0.0.1'), a), scan(b, host('10.0.0.1')))).toEqual([]);
  });

  it('reports a host that appeared with its listed ports inside the change, not as separate port changes', () => {
    const appeared = host('10.0.0.9', {
      hostnames: [{ name: 'new.example' }],
      ports: [port(23, 'open', { service: { name: 'telnet', cpe: [] } }), port(80, 'closed')],
      extraPorts: [{ state: 'closed', count: 998 }],
    });
    expect(diffObservations(scan(), scan(appeared))).toEqual([
      {
        type: 'host-appeared',
        address: '10.0.0.9',
        after: {
          status: 'up',
          addresses: [{ addr: '10.0.0.9', type: 'ipv4' }],
          hostnames: ['new.example'],
          // 80/tcp is closed, a state the host summarises: ndiff leaves it out too.
          ports: [{ protocol: 'tcp', port: 23, state: 'open', service: { name: 'telnet' } }],
          extraPorts: [{ state: 'closed', count: 998 }],
          os: [],
          scripts: [],
        },
      },
    ]);
  });

  it('reports a host that is gone', () => {
    const changes = diffObservations(scan(host('10.0.0.7', { ports: [port(22, 'open')] })), scan());
    expect(changes).toEqual([
      expect.objectContaining({
        type: 'host-removed',
        address: '10.0.0.7',
        before: expect.objectContaining({ ports: [{ protocol: 'tcp', port: 22, state: 'open' }] }),
      }),
    ]);
  });

  it('reports host status, MAC address, host name, OS and extraports changes', () => {
    const a = host('10.0.0.5', {
      hostnames: [{ name: 'old.example' }],
      os: [{ name: 'Linux 5.4', accuracy: 95 }],
      extraPorts: [{ state: 'closed', count: 999 }],
    });
    const b = host('10.0.0.5', {
      status: 'down',
      addresses: [
        { addr: '10.0.0.5', type: 'ipv4' },
        { addr: 'AA:BB:CC:DD:EE:FF', type: 'mac' },
      ],
      hostnames: [{ name: 'new.example' }],
      os: [{ name: 'Linux 6.1', accuracy: 95 }],
      extraPorts: [{ state: 'filtered', count: 999 }],
    });
    expect(diffObservations(scan(a), scan(b))).toEqual([
      {
        type: 'host-status-changed',
        address: '10.0.0.5',
        before: { status: 'up' },
        after: { status: 'down' },
      },
      {
        type: 'host-address-changed',
        address: '10.0.0.5',
        before: { addresses: [{ addr: '10.0.0.5', type: 'ipv4' }] },
        after: {
          addresses: [
            { addr: '10.0.0.5', type: 'ipv4' },
            { addr: 'AA:BB:CC:DD:EE:FF', type: 'mac' },
          ],
        },
      },
      {
        type: 'hostname-changed',
        address: '10.0.0.5',
        before: { hostnames: ['old.example'] },
        after: { hostnames: ['new.example'] },
      },
      {
        type: 'os-changed',
        address: '10.0.0.5',
        before: { os: ['Linux 5.4'] },
        after: { os: ['Linux 6.1'] },
      },
      {
        type: 'host-extraports-changed',
        address: '10.0.0.5',
        before: { extraPorts: [{ state: 'closed', count: 999 }] },
        after: { extraPorts: [{ state: 'filtered', count: 999 }] },
      },
    ]);
  });

  it('treats a reordered OS match list as a change (nmap orders by accuracy), as ndiff does', () => {
    const os = (...names: string[]) => names.map((name) => ({ name, accuracy: 90 }));
    const changes = diffObservations(
      scan(host('10.0.0.5', { os: os('A', 'B') })),
      scan(host('10.0.0.5', { os: os('B', 'A') })),
    );
    expect(types(changes)).toEqual(['os-changed']);
  });

  it('reports host script results added, removed and changed, one change per script id', () => {
    const sr = (id: string, output: string) => ({ id, output, elems: [], tables: [] });
    const a = host('10.0.0.5', {
      scripts: [sr('nbstat', 'WS01'), sr('smb-os-discovery', 'Windows 10'), sr('whois', 'same')],
    });
    const b = host('10.0.0.5', {
      scripts: [sr('whois', 'same'), sr('smb-os-discovery', 'Windows 11'), sr('smb2-time', 'now')],
    });
    expect(diffObservations(scan(a), scan(b))).toEqual([
      { type: 'host-script-changed', address: '10.0.0.5', before: { id: 'nbstat', output: 'WS01' } },
      {
        type: 'host-script-changed',
        address: '10.0.0.5',
        before: { id: 'smb-os-discovery', output: 'Windows 10' },
        after: { id: 'smb-os-discovery', output: 'Windows 11' },
      },
      { type: 'host-script-changed', address: '10.0.0.5', after: { id: 'smb2-time', output: 'now' } },
    ]);
  });

  it('reports a port state change, a service version change and a port script change on listed ports', () => {
    const sr = (output: string) => [{ id: 'http-title', output, elems: [], tables: [] }];
    const a = host('10.0.0.5', {
      ports: [
        port(22, 'open', { service: ssh('8.9') }),
        port(80, 'open', { scripts: sr('Old') }),
        port(443, 'open'),
      ],
    });
    const b = host('10.0.0.5', {
      ports: [
        port(22, 'open', { service: ssh('9.6') }),
        port(80, 'open', { scripts: sr('New') }),
        port(443, 'filtered'),
      ],
    });
    expect(diffObservations(scan(a), scan(b))).toEqual([
      {
        type: 'service-changed',
        address: '10.0.0.5',
        port: 22,
        protocol: 'tcp',
        before: { name: 'ssh', product: 'OpenSSH', version: '8.9' },
        after: { name: 'ssh', product: 'OpenSSH', version: '9.6' },
      },
      {
        type: 'port-script-changed',
        address: '10.0.0.5',
        port: 80,
        protocol: 'tcp',
        before: { id: 'http-title', output: 'Old' },
        after: { id: 'http-title', output: 'New' },
      },
      {
        type: 'port-state-changed',
        address: '10.0.0.5',
        port: 443,
        protocol: 'tcp',
        before: { state: 'open' },
        after: { state: 'filtered' },
      },
    ]);
  });

  it('reports a TLS tunnel appearing or disappearing as a service change (ndiff does not compare tunnel)', () => {
    const http = (tunnel?: string) => ({ name: 'http', cpe: [], ...(tunnel ? { tunnel } : {}) });
    const changes = diffObservations(
      scan(host('10.0.0.5', { ports: [port(443, 'open', { service: http('ssl') })] })),
      scan(host('10.0.0.5', { ports: [port(443, 'open', { service: http() })] })),
    );
    expect(changes).toEqual([
      expect.objectContaining({
        type: 'service-changed',
        before: { name: 'http', tunnel: 'ssl' },
        after: { name: 'http' },
      }),
    ]);
  });

  describe('ports listed on one side only (the extraports rule)', () => {
    it('reports a newly listed port as added, with the state it was summarised in before', () => {
      const a = host('10.0.0.5', { extraPorts: [{ state: 'closed', count: 1000 }] });
      const b = host('10.0.0.5', {
        ports: [port(23, 'open', { service: { name: 'telnet', cpe: [] } })],
        extraPorts: [{ state: 'closed', count: 999 }],
      });
      expect(diffObservations(scan(a), scan(b))).toContainEqual({
        type: 'port-added',
        address: '10.0.0.5',
        port: 23,
        protocol: 'tcp',
        before: { state: 'closed' },
        after: { state: 'open', service: { name: 'telnet' } },
      });
    });

    it('reports a port no longer listed as removed, now in the one state the later scan summarises', () => {
      const a = host('10.0.0.5', {
        ports: [port(22, 'open')],
        extraPorts: [{ state: 'closed', count: 999 }],
      });
      const b = host('10.0.0.5', { extraPorts: [{ state: 'closed', count: 1000 }] });
      expect(diffObservations(scan(a), scan(b))).toContainEqual({
        type: 'port-removed',
        address: '10.0.0.5',
        port: 22,
        protocol: 'tcp',
        before: { state: 'open' },
        after: { state: 'closed' },
      });
    });

    it('leaves the later state unknown when the later scan summarises several states or none', () => {
      const a = host('10.0.0.5', { ports: [port(22, 'open')] });
      const several = host('10.0.0.5', {
        extraPorts: [
          { state: 'closed', count: 500 },
          { state: 'filtered', count: 500 },
        ],
      });
      const removed = {
        type: 'port-removed',
        address: '10.0.0.5',
        port: 22,
        protocol: 'tcp',
        before: { state: 'open' },
      };
      expect(diffObservations(scan(a), scan(several))).toContainEqual(removed);
      expect(diffObservations(scan(a), scan(host('10.0.0.5')))).toEqual([removed]);
    });

    it('does not report a port listed as filtered that the other scan summarises as filtered', () => {
      const a = host('10.0.0.5', {
        ports: [port(1720, 'filtered')],
        extraPorts: [{ state: 'closed', count: 999 }],
      });
      const b = host('10.0.0.5', { extraPorts: [{ state: 'filtered', count: 1000 }] });
      expect(types(diffObservations(scan(a), scan(b)))).toEqual(['host-extraports-changed']);
      expect(types(diffObservations(scan(b), scan(a)))).toEqual(['host-extraports-changed']);
    });

    it('does not report a port whose state is summarised on both sides, like ndiff', () => {
      const a = host('10.0.0.5', {
        ports: [port(25, 'closed')],
        extraPorts: [{ state: 'closed', count: 999 }],
      });
      const b = host('10.0.0.5', { extraPorts: [{ state: 'closed', count: 999 }] });
      expect(diffObservations(scan(a), scan(b))).toEqual([]);
    });
  });

  it('identifies a host by its lowest IPv4 address, so a renamed host is one host with a new name', () => {
    const a = host('10.0.0.5', { hostnames: [{ name: 'a.example' }], ports: [port(22, 'open')] });
    const b = host('10.0.0.5', { hostnames: [{ name: 'b.example' }], ports: [port(22, 'open')] });
    expect(types(diffObservations(scan(a), scan(b)))).toEqual(['hostname-changed']);
  });

  it('orders changes by address numerically, host-level first, then port, protocol and type', () => {
    const a = scan(
      host('10.0.0.10', { ports: [port(80, 'open')] }),
      host('10.0.0.9', {
        ports: [port(443, 'open'), port(53, 'open', { protocol: 'udp' }), port(53, 'open')],
      }),
    );
    const b = scan(
      host('10.0.0.9', {
        status: 'down',
        ports: [port(443, 'closed'), port(53, 'closed', { protocol: 'udp' }), port(53, 'closed')],
      }),
      host('10.0.0.10', { ports: [port(80, 'closed')] }),
      host('2001:db8::1', { addresses: [{ addr: '2001:db8::1', type: 'ipv6' }] }),
    );
    const changes = diffObservations(a, b);
    expect(
      changes.map((c) => `${c.address} ${'port' in c ? `${c.protocol}/${c.port}` : '-'} ${c.type}`),
    ).toEqual([
      '10.0.0.9 - host-status-changed',
      '10.0.0.9 tcp/53 port-state-changed',
      '10.0.0.9 udp/53 port-state-changed',
      '10.0.0.9 tcp/443 port-state-changed',
      '10.0.0.10 tcp/80 port-state-changed',
      '2001:db8::1 - host-appeared',
    ]);
    expect(diffObservations(a, b)).toEqual(changes);
  });

  it('exports every change type it can produce as a closed list', () => {
    expect(new Set(CHANGE_TYPES).size).toBe(CHANGE_TYPES.length);
    expect(CHANGE_TYPES).toEqual(
      expect.arrayContaining(['host-appeared', 'port-added', 'service-changed', 'port-script-changed']),
    );
  });
});
