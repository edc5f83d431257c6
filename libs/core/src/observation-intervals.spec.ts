import { observationRecords, planIntervals } from './observation-intervals';
import type { HostObservation, PortObservation } from './snapshot.model';

const port = (n: number, name = 'ssh', state: PortObservation['state'] = 'open'): PortObservation => ({
  protocol: 'tcp',
  port: n,
  state,
  service: { name, cpe: [] },
  scripts: [],
});
const host = (
  addr: string,
  ports: PortObservation[],
  status: HostObservation['status'] = 'up',
): HostObservation => ({
  status,
  addresses: [{ addr, type: 'ipv4' }],
  hostnames: [],
  ports,
  extraPorts: [],
  os: [],
  scripts: [],
});

describe('state intervals', () => {
  const first = observationRecords([host('10.0.0.1', [port(22), port(80, 'http')])]);
  const open = first.map((r, i) => ({ id: String(i + 1), ...r }));

  it('an unchanged rescan closes nothing and opens nothing', () => {
    expect(planIntervals(open, observationRecords([host('10.0.0.1', [port(80, 'http'), port(22)])]))).toEqual(
      {
        close: [],
        open: [],
      },
    );
  });

  it('a changed port closes its interval and opens a new one; a vanished port closes', () => {
    const next = observationRecords([
      host('10.0.0.1', [port(22, 'telnet')]),
      host('10.0.0.2', [port(23, 'telnet')]),
    ]);
    const plan = planIntervals(open, next);
    expect(plan.close.sort()).toEqual(['1', '2']);
    expect(plan.open.map((r) => `${r.address}:${r.port}`)).toEqual(['10.0.0.1:22', '10.0.0.2:23']);
  });

  it('ignores hosts that are down', () => {
    expect(observationRecords([host('10.0.0.9', [port(22)], 'down')])).toEqual([]);
  });
});
