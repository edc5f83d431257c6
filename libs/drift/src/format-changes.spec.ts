import type { Change } from './change.model';
import { formatChangesJson, formatChangesText } from './format-changes';

const at = { address: '10.0.0.5', protocol: 'tcp' } as const;

describe('formatChangesText', () => {
  it('prints one line per change, + added, - removed, ~ changed', () => {
    const changes: Change[] = [
      {
        type: 'host-status-changed',
        address: '10.0.0.5',
        before: { status: 'up' },
        after: { status: 'down' },
      },
      {
        type: 'service-changed',
        ...at,
        port: 22,
        before: { name: 'ssh', product: 'OpenSSH', version: '8.9' },
        after: { name: 'ssh', product: 'OpenSSH', version: '9.6' },
      },
      {
        type: 'port-added',
        ...at,
        port: 23,
        before: { state: 'closed' },
        after: { state: 'open', service: { name: 'telnet' } },
      },
      { type: 'port-removed', ...at, port: 25, before: { state: 'open', service: { name: 'smtp' } } },
      {
        type: 'port-state-changed',
        ...at,
        port: 443,
        before: { state: 'open' },
        after: { state: 'filtered' },
      },
      {
        type: 'port-script-changed',
        ...at,
        port: 80,
        after: { id: 'http-title', output: 'line one\nline two' },
      },
      {
        type: 'host-appeared',
        address: '10.0.0.9',
        after: {
          status: 'up',
          addresses: [{ addr: '10.0.0.9', type: 'ipv4' }],
          hostnames: ['new.example'],
          ports: [{ protocol: 'tcp', port: 23, state: 'open', service: { name: 'telnet' } }],
          extraPorts: [],
          os: [],
          scripts: [],
        },
      },
    ];
    expect(formatChangesText(changes).split('\n')).toEqual([
      '~ 10.0.0.5 host up -> down',
      '~ 10.0.0.5 tcp/22 service OpenSSH 8.9 -> OpenSSH 9.6',
      '+ 10.0.0.5 tcp/23 open telnet (was closed)',
      '- 10.0.0.5 tcp/25 open smtp',
      '~ 10.0.0.5 tcp/443 open -> filtered',
      '+ 10.0.0.5 tcp/80 script http-title "line one\\nline two"',
      '+ 10.0.0.9 host up (new.example): tcp/23 open telnet',
    ]);
  });

  it('prints nothing for no changes', () => {
    expect(formatChangesText([])).toBe('');
  });
});

describe('formatChangesJson', () => {
  it('wraps the changes as {"changes":[...]} with port and protocol only on port-level changes', () => {
    const json = JSON.parse(
      formatChangesJson([
        { type: 'os-changed', address: '10.0.0.5', before: { os: [] }, after: { os: ['Linux'] } },
        {
          type: 'port-state-changed',
          ...at,
          port: 22,
          before: { state: 'open' },
          after: { state: 'closed' },
        },
      ]),
    ) as { changes: Record<string, unknown>[] };
    expect(json.changes[0]).not.toHaveProperty('port');
    expect(json.changes[1]).toEqual({
      type: 'port-state-changed',
      address: '10.0.0.5',
      port: 22,
      protocol: 'tcp',
      before: { state: 'open' },
      after: { state: 'closed' },
    });
  });
});
