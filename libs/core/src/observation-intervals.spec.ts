import { planHostIntervals, planIntervals } from './observation-intervals';
import { hostRecords, portRecords as observationRecords } from './snapshot-content';
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

  it('host-level intervals change only when host state changes', () => {
    const hosts = hostRecords([host('10.0.0.1', [port(22)]), host('10.0.0.2', [])]);
    const current = hosts.map((r, i) => ({ id: String(i + 1), ...r }));
    expect(
      planHostIntervals(current, hostRecords([host('10.0.0.1', [port(80)]), host('10.0.0.2', [])])),
    ).toEqual({
      close: [],
      open: [],
    });
    const next = planHostIntervals(current, hostRecords([host('10.0.0.1', [], 'down')]));
    expect(next.close.sort()).toEqual(['1', '2']);
    expect(next.open.map((r) => `${r.address} ${r.attributes.status}`)).toEqual(['10.0.0.1 down']);
  });
});
