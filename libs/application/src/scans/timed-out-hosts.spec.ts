import type { HostObservation } from '@driftwatch/core';

import { setAsideTimedOut } from './timed-out-hosts';

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

describe('setAsideTimedOut', () => {
  it('sets aside the hosts nmap gave up on, by address, with a warning each', () => {
    const done = host('192.0.2.1', { ports: [{ protocol: 'tcp', port: 22, state: 'open', scripts: [] }] });
    const { observed, timedOut, warnings } = setAsideTimedOut([
      done,
      host('192.0.2.2', { timedOut: true }),
      host('192.0.2.3', { timedOut: true }),
    ]);
    expect(observed).toEqual([done]);
    expect(timedOut).toEqual(['192.0.2.2', '192.0.2.3']);
    expect(warnings).toEqual([
      expect.stringMatching(/^nmap gave up on 192\.0\.2\.2 \(host timeout\).*last known state is kept$/),
      expect.stringMatching(/^nmap gave up on 192\.0\.2\.3 /),
    ]);
  });

  it('leaves a timed-out host without an address where it is, to be refused like any such host', () => {
    const nameless = { ...host('192.0.2.9', { timedOut: true }), addresses: [] };
    expect(setAsideTimedOut([nameless])).toEqual({ observed: [nameless], timedOut: [], warnings: [] });
  });
});
