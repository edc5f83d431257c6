import type { HostObservation, NetworkObservation, PortObservation } from '@driftwatch/core';

import type { Change } from './change.model';
import { diffObservations } from './diff-observations';
import { formatChangesText } from './format-changes';

// http-headers outputs from our own nmap 7.93 scans of a Node https server on 127.0.0.1:45102:
// twice unchanged (only the Date differs), then after it moved to nginx/1.24.0 and dropped HSTS.
const FIRST =
  '\n  Server: nginx/1.22.1\n  Strict-Transport-Security: max-age=31536000; includeSubDomains; preload\n' +
  '  Content-Type: text/plain\n  Date: Mon, 23 Nov 2026 16:29:34 GMT\n  Connection: close\n  \n' +
  '  (Request type: HEAD)\n';
const RESCAN = FIRST.replace('16:29:34', '16:30:11');
const CHANGED =
  '\n  Server: nginx/1.24.0\n  Content-Type: text/plain\n  Date: Mon, 23 Nov 2026 16:30:35 GMT\n' +
  '  Connection: close\n  \n  (Request type: HEAD)\n';

const httpPort = (output: string): PortObservation => ({
  protocol: 'tcp',
  port: 45102,
  state: 'open',
  scripts: [{ id: 'http-headers', output, elems: [], tables: [] }],
  // Snapshots carry the typed facts too; drift compares the script output they come from.
  http: { requestType: 'HEAD', headers: [{ name: 'Date', value: output }], errors: [] },
});

const scanOf = (...ports: PortObservation[]): NetworkObservation => {
  const host: HostObservation = {
    status: 'up',
    addresses: [{ addr: '127.0.0.1', type: 'ipv4' }],
    hostnames: [],
    ports,
    extraPorts: [],
    os: [],
    scripts: [],
  };
  return { run: { scanner: 'nmap', hostsUp: 1, hostsDown: 0, hostsTotal: 1 }, hosts: [host] };
};

describe('drift of HTTP headers (http-headers script output)', () => {
  it('reports nothing when only the Date header differs, as it does on every rescan', () => {
    expect(diffObservations(scanOf(httpPort(FIRST)), scanOf(httpPort(RESCAN)))).toEqual([]);
  });

  it('reports a Server or HSTS change as a port script change with both outputs as nmap printed them', () => {
    expect(diffObservations(scanOf(httpPort(FIRST)), scanOf(httpPort(CHANGED)))).toEqual([
      {
        type: 'port-script-changed',
        address: '127.0.0.1',
        port: 45102,
        protocol: 'tcp',
        before: { id: 'http-headers', output: FIRST },
        after: { id: 'http-headers', output: CHANGED },
      },
    ]);
  });

  it('reports the script appearing or going away, Date or not', () => {
    expect(diffObservations(scanOf({ ...httpPort(FIRST), scripts: [] }), scanOf(httpPort(RESCAN)))).toEqual([
      expect.objectContaining({ type: 'port-script-changed', after: { id: 'http-headers', output: RESCAN } }),
    ]);
  });

  it('still compares the Date line of other scripts', () => {
    const other = (output: string) => ({
      ...httpPort(output),
      scripts: [{ id: 'http-title', output, elems: [], tables: [] }],
    });
    expect(diffObservations(scanOf(other('Date: 1')), scanOf(other('Date: 2')))).toHaveLength(1);
  });
});

describe('text form of a changed multi-line script output', () => {
  const changed = (id: string, before: string, after: string): Change => ({
    type: 'port-script-changed',
    address: '127.0.0.1',
    port: 45102,
    protocol: 'tcp',
    before: { id, output: before },
    after: { id, output: after },
  });

  it('shows the header lines that differ, leaving out the Date', () => {
    expect(formatChangesText([changed('http-headers', FIRST, CHANGED)])).toBe(
      '~ 127.0.0.1 tcp/45102 script http-headers ' +
        '"Server: nginx/1.22.1\\nStrict-Transport-Security: max-age=3153…" -> "Server: nginx/1.24.0"',
    );
  });

  it('shows an added header against an empty side', () => {
    expect(formatChangesText([changed('http-headers', CHANGED, `${CHANGED}  X-Powered-By: PHP/8.2\n`)])).toBe(
      '~ 127.0.0.1 tcp/45102 script http-headers "" -> "X-Powered-By: PHP/8.2"',
    );
  });

  it('shows the lines that differ for any multi-line script, and whole outputs when only the order changed', () => {
    const ciphers = (grade: string) =>
      `\n  TLSv1.2: \n    ciphers: \n      TLS_RSA_WITH_AES_128_CBC_SHA (rsa 2048) - A\n  least strength: ${grade}`;
    expect(formatChangesText([changed('ssl-enum-ciphers', ciphers('A'), ciphers('C'))])).toBe(
      '~ 127.0.0.1 tcp/45102 script ssl-enum-ciphers "least strength: A" -> "least strength: C"',
    );
    expect(formatChangesText([changed('x', 'a\nb', 'b\na')])).toBe(
      '~ 127.0.0.1 tcp/45102 script x "a\\nb" -> "b\\na"',
    );
  });
});
