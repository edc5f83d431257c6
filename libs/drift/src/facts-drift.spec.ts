import type { HostObservation, NetworkObservation, PortObservation, TlsFacts } from '@driftwatch/core';

import { diffObservations } from './diff-observations';
import { formatChangesText } from './format-changes';

const tls = (versions: string[], leastGrade: TlsFacts['leastGrade']): TlsFacts => ({
  versions,
  ciphers: versions.map((protocol) => ({
    protocol,
    name: 'TLS_RSA_WITH_AES_128_CBC_SHA',
    grade: leastGrade,
  })),
  leastGrade,
  errors: [],
});
const port = (facts: Partial<PortObservation>): PortObservation => ({
  protocol: 'tcp',
  port: 443,
  state: 'open',
  scripts: [],
  ...facts,
});
const scanOf = (...ports: PortObservation[]): NetworkObservation => {
  const host: HostObservation = {
    status: 'up',
    addresses: [{ addr: '10.0.5.7', type: 'ipv4' }],
    hostnames: [],
    ports,
    extraPorts: [],
    os: [],
    scripts: [],
  };
  return { run: { scanner: 'nmap', hostsUp: 1, hostsDown: 0, hostsTotal: 1 }, hosts: [host] };
};

describe('drift of typed TLS, SSH and HTTP facts', () => {
  it('reports TLS 1.0 being enabled with the facts before and after', () => {
    const before = tls(['TLSv1.2'], 'A');
    const after = tls(['TLSv1.0', 'TLSv1.2'], 'C');
    const changes = diffObservations(scanOf(port({ tls: before })), scanOf(port({ tls: after })));
    expect(changes).toEqual([
      { type: 'port-tls-changed', address: '10.0.5.7', port: 443, protocol: 'tcp', before, after },
    ]);
    expect(formatChangesText(changes)).toBe(
      '~ 10.0.5.7 tcp/443 tls TLSv1.2 least grade A, 1 ciphers -> TLSv1.0,TLSv1.2 least grade C, 2 ciphers',
    );
  });

  it('reports SSH password authentication appearing', () => {
    const ssh = {
      kexAlgorithms: ['curve25519-sha256'],
      hostKeyAlgorithms: ['ssh-ed25519'],
      encryptionAlgorithms: ['aes128-ctr'],
      macAlgorithms: ['hmac-sha2-256'],
      compressionAlgorithms: ['none'],
      errors: [],
    };
    const changes = diffObservations(
      scanOf(port({ port: 22, ssh: { ...ssh, authMethods: ['publickey'] } })),
      scanOf(port({ port: 22, ssh: { ...ssh, authMethods: ['publickey', 'password'] } })),
    );
    expect(changes.map((c) => c.type)).toEqual(['port-ssh-changed']);
    expect(formatChangesText(changes)).toMatch(/auth publickey -> .*auth publickey,password$/);
  });

  it('ignores the HTTP Date header but reports HSTS going away', () => {
    const http = (date: string, hsts: boolean) => ({
      headers: [
        { name: 'Server', value: 'nginx' },
        { name: 'Date', value: date },
      ],
      server: 'nginx',
      ...(hsts && {
        hsts: { maxAgeSeconds: 31536000, includeSubDomains: true, preload: false, valid: true, raw: 'x' },
      }),
      errors: [],
    });
    expect(
      diffObservations(scanOf(port({ http: http('a', true) })), scanOf(port({ http: http('b', true) }))),
    ).toEqual([]);
    const gone = diffObservations(
      scanOf(port({ http: http('a', true) })),
      scanOf(port({ http: http('b', false) })),
    );
    expect(formatChangesText(gone)).toBe(
      '~ 10.0.5.7 tcp/443 http server nginx, hsts max-age=31536000 -> server nginx, no hsts',
    );
  });

  it('reports facts that appear or vanish with the missing side left out', () => {
    const changes = diffObservations(scanOf(port({})), scanOf(port({ tls: tls(['TLSv1.3'], 'A') })));
    expect(changes).toEqual([
      expect.objectContaining({ type: 'port-tls-changed', after: expect.anything() as unknown }),
    ]);
    expect(changes[0]).not.toHaveProperty('before');
  });
});
