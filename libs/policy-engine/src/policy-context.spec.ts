import { DriftwatchError, ErrorCode, type FieldError } from '@driftwatch/core';
import {
  parsePolicyContext,
  type PolicyContext,
  portKeys,
  portKeySet,
  type Zone,
  ZoneIndex,
} from '@driftwatch/policy-engine';

function fullContext(): PolicyContext {
  return {
    zones: [
      {
        name: 'cde',
        description: 'Card data environment',
        networks: ['10.10.0.0/16', '2001:db8:10::/48'],
        classification: 'cde',
        approvedPorts: [443, 'tcp/22'],
      },
      { name: 'corp', networks: ['10.20.0.0/16'], classification: 'internal' },
      { name: 'internet', networks: ['0.0.0.0/0', '::/0'], classification: 'untrusted' },
    ],
    roles: [
      { name: 'web', approvedPorts: ['tcp/443'], approvedServices: ['https'] },
      { name: 'db', description: 'PostgreSQL', approvedPorts: ['tcp/5432'] },
    ],
    inventory: [
      {
        address: '10.10.0.5',
        name: 'pay-web-1',
        role: 'web',
        owner: 'payments',
        storesCardData: false,
        inScope: true,
        declaredAt: '2025-01-01T00:00:00Z',
        lastSeenAt: '2026-03-01T00:00:00Z',
        lastScannedAt: '2026-03-01T00:00:00Z',
      },
      { address: '10.10.0.6', role: 'db', storesCardData: true },
      { address: '2001:db8:10::6' },
    ],
    flows: [
      { from: 'corp', to: 'cde', ports: ['tcp/443', 22], reference: 'FW-12' },
      { from: 'internet', to: 'cde', ports: [] },
    ],
    approvedChanges: [
      {
        reference: 'CHG-1',
        description: 'open https on the new web tier',
        targets: ['10.10.0.0/24', '10.10.1.7'],
        ports: ['tcp/443'],
        types: ['port-added'],
        validFrom: '2026-01-01T00:00:00Z',
        validUntil: '2026-02-01T00:00:00Z',
      },
    ],
    scans: [
      { id: 'scan-2', at: '2026-03-02T00:00:00Z', status: 'failed', error: 'nmap exited 1' },
      { at: '2026-03-01T00:00:00Z', status: 'completed' },
    ],
    timeSources: ['ntp1.corp.example', '10.10.0.123'],
  };
}

/** The field errors a context is refused with (and checks the error is a validation error). */
function refusal(value: unknown, field?: string): FieldError[] {
  try {
    parsePolicyContext(value, field);
  } catch (error: unknown) {
    if (!(error instanceof DriftwatchError)) throw error;
    expect(error.code).toBe(ErrorCode.ValidationFailed);
    return error.details.fields ?? [];
  }
  throw new Error('expected the context to be refused');
}

function fieldsOf(value: unknown, field?: string): string[] {
  return refusal(value, field).map((f) => f.field);
}

describe('parsePolicyContext', () => {
  it('compares an approved change window as instants, not as text', () => {
    const change = (validFrom: string, validUntil: string) => ({
      approvedChanges: [{ reference: 'CHG-1', targets: ['10.0.0.0/24'], validFrom, validUntil }],
    });
    expect(() =>
      parsePolicyContext(change('2026-01-01T10:00:00+02:00', '2026-01-01T09:00:00Z')),
    ).not.toThrow();
    expect(() =>
      parsePolicyContext(change('2026-01-01T00:00:00Z', '2026-01-01T00:00:00.500Z')),
    ).not.toThrow();
    expect(fieldsOf(change('2026-01-01T09:00:00Z', '2026-01-01T10:00:00+05:00'))).toEqual([
      'context.approvedChanges[0].validUntil',
    ]);
  });

  it('treats two spellings of one IPv6 address as the same declared asset', () => {
    expect(fieldsOf({ inventory: [{ address: '2001:db8::1' }, { address: '2001:DB8:0::1' }] })).toEqual([
      'context.inventory[1].address',
    ]);
  });

  it('accepts a full valid context and returns it unchanged', () => {
    const context = fullContext();
    expect(parsePolicyContext(context)).toEqual(context);
  });

  it('fills in the lists a partial context leaves out', () => {
    expect(parsePolicyContext({ zones: fullContext().zones })).toEqual({
      zones: fullContext().zones,
      roles: [],
      inventory: [],
      flows: [],
      approvedChanges: [],
      scans: [],
      timeSources: [],
    });
    expect(parsePolicyContext({})).toEqual({
      zones: [],
      roles: [],
      inventory: [],
      flows: [],
      approvedChanges: [],
      scans: [],
      timeSources: [],
    });
  });

  it('refuses a zone network that is not a CIDR block, naming the network', () => {
    const context = fullContext();
    context.zones[0].networks = ['10.10.0.0/33'];
    expect(refusal(context)).toEqual([
      { field: 'context.zones[0].networks[0]', reason: '"10.10.0.0/33" is not an IP address or CIDR block' },
    ]);
    context.zones[0].networks = ['10.10.0.0/16', 'corp-lan'];
    expect(fieldsOf(context)).toEqual(['context.zones[0].networks[1]']);
  });

  it('refuses an approved change target that is not an address or CIDR block', () => {
    const context = fullContext();
    context.approvedChanges[0].targets = ['10.10.0.0/24', 'web.example.com'];
    expect(fieldsOf(context)).toEqual(['context.approvedChanges[0].targets[1]']);
  });

  it('refuses unknown properties, at the top and inside a list entry', () => {
    expect(refusal({ ...fullContext(), zone: [] })).toEqual([
      { field: 'context', reason: 'unknown property "zone"' },
    ]);
    const context = fullContext();
    (context.zones[1] as Zone & { cidr?: string }).cidr = '10.20.0.0/16';
    expect(refusal(context)).toEqual([{ field: 'context.zones[1]', reason: 'unknown property "cidr"' }]);
  });

  it('names the field under the prefix it is given', () => {
    expect(refusal({ zone: [] }, 'body.context')).toEqual([
      { field: 'body.context', reason: 'unknown property "zone"' },
    ]);
    const context = fullContext();
    context.flows[0].to = 'pci';
    expect(fieldsOf(context, 'body.context')).toEqual(['body.context.flows[0].to']);
  });

  it('refuses a flow naming a zone that is not declared, naming each end', () => {
    const context = fullContext();
    context.flows = [{ from: 'corp', to: 'pci', ports: [443] }];
    expect(refusal(context)).toEqual([{ field: 'context.flows[0].to', reason: 'no zone named "pci"' }]);
    context.flows = [{ from: 'office', to: 'pci', ports: [443] }];
    expect(fieldsOf(context)).toEqual(['context.flows[0].from', 'context.flows[0].to']);
  });

  it('refuses an asset with a role that is not declared', () => {
    const context = fullContext();
    context.inventory[1].role = 'database';
    expect(refusal(context)).toEqual([
      { field: 'context.inventory[1].role', reason: 'no role named "database"' },
    ]);
  });

  it('refuses duplicate zone and role names, naming the second', () => {
    const context = fullContext();
    context.zones.push({ name: 'corp', networks: ['10.30.0.0/16'], classification: 'internal' });
    context.roles.push({ name: 'web' });
    expect(refusal(context)).toEqual([
      { field: 'context.zones[3].name', reason: 'duplicate zone "corp"' },
      { field: 'context.roles[2].name', reason: 'duplicate role "web"' },
    ]);
  });

  it('refuses an address declared twice in the inventory', () => {
    const context = fullContext();
    context.inventory.push({ address: '10.10.0.5', name: 'again' });
    expect(refusal(context)).toEqual([
      { field: 'context.inventory[3].address', reason: '"10.10.0.5" is declared twice' },
    ]);
  });

  it('refuses an inventory address that is a CIDR block or not an address', () => {
    const context = fullContext();
    context.inventory = [{ address: '10.10.0.0/24' }, { address: 'pay-web-1' }];
    expect(fieldsOf(context)).toEqual(['context.inventory[0].address', 'context.inventory[1].address']);
  });

  it('refuses an approved change whose validUntil is before its validFrom', () => {
    const context = fullContext();
    context.approvedChanges[0].validFrom = '2026-02-01T00:00:00Z';
    context.approvedChanges[0].validUntil = '2026-01-01T00:00:00Z';
    expect(refusal(context)).toEqual([
      { field: 'context.approvedChanges[0].validUntil', reason: 'is before validFrom' },
    ]);
  });

  it('refuses a port spec that names a service instead of a number', () => {
    const context = fullContext();
    context.flows[0].ports = ['tcp/443', 'tcp/http'];
    expect(new Set(fieldsOf(context))).toEqual(new Set(['context.flows[0].ports[1]']));
  });

  it('refuses a port spec with an unknown protocol or a number out of range', () => {
    const context = fullContext();
    context.zones[0].approvedPorts = ['icmp/0', 65536];
    expect(new Set(fieldsOf(context))).toEqual(
      new Set(['context.zones[0].approvedPorts[0]', 'context.zones[0].approvedPorts[1]']),
    );
  });

  it('refuses an unknown classification and a timestamp that is not a date-time, listing both', () => {
    const context = fullContext() as unknown as {
      zones: { classification: string }[];
      scans: { at: string }[];
    };
    context.zones[0].classification = 'pci';
    context.scans[0].at = 'yesterday';
    const fields = refusal(context);
    expect(fields).toContainEqual({
      field: 'context.zones[0].classification',
      reason: 'must be one of: cde, connected, internal, dmz, untrusted, out-of-scope',
    });
    expect(fields.map((f) => f.field)).toContain('context.scans[0].at');
  });

  it('refuses a value that is not an object', () => {
    expect(fieldsOf([])).toEqual(['context']);
    expect(fieldsOf(null)).toEqual(['context']);
  });
});

describe('portKeys and portKeySet', () => {
  it('expands a bare port number to every protocol', () => {
    expect(portKeys(443)).toEqual(['tcp/443', 'udp/443', 'sctp/443']);
  });

  it('keeps a "protocol/port" spec as it is', () => {
    expect(portKeys('udp/53')).toEqual(['udp/53']);
  });

  it('merges specs into one set without duplicates', () => {
    expect([...portKeySet([443, 'tcp/443', 'udp/53'])].sort()).toEqual([
      'sctp/443',
      'tcp/443',
      'udp/443',
      'udp/53',
    ]);
  });

  it('gives an empty set for no specs', () => {
    expect(portKeySet(undefined).size).toBe(0);
    expect(portKeySet([]).size).toBe(0);
  });
});

describe('ZoneIndex', () => {
  const zones: Zone[] = [
    { name: 'campus', networks: ['10.0.0.0/8'], classification: 'internal' },
    { name: 'cde', networks: ['10.10.0.0/16'], classification: 'cde' },
    { name: 'cde-db', networks: ['10.10.5.0/24', '10.99.0.7'], classification: 'cde' },
    { name: 'v6', networks: ['2001:db8::/32'], classification: 'dmz' },
  ];
  // The same zones listed the other way round: placement must not depend on the order.
  const indexes = [new ZoneIndex(zones), new ZoneIndex([...zones].reverse())];

  it.each(indexes.map((index, i) => [i === 0 ? 'in order' : 'reversed', index] as const))(
    'picks the zone with the longest matching prefix (%s)',
    (_order, index) => {
      expect(index.locate('10.10.5.9')?.zone.name).toBe('cde-db');
      expect(index.locate('10.10.6.9')?.zone.name).toBe('cde');
      expect(index.locate('10.11.0.1')?.zone.name).toBe('campus');
      expect(index.locate('10.99.0.7')?.zone.name).toBe('cde-db');
      expect(index.locate('10.99.0.8')?.zone.name).toBe('campus');
    },
  );

  it('gives what rules see of the zone: its name and classification', () => {
    expect(new ZoneIndex(zones).locate('10.10.5.9')?.view).toEqual({ name: 'cde-db', classification: 'cde' });
  });

  it('places IPv6 and IPv4-mapped IPv6 addresses', () => {
    const index = new ZoneIndex(zones);
    expect(index.locate('2001:db8::5')?.zone.name).toBe('v6');
    expect(index.locate('::ffff:10.10.5.9')?.zone.name).toBe('cde-db');
  });

  it('places nothing outside every zone, nor a text that is not an address', () => {
    const index = new ZoneIndex(zones);
    expect(index.locate('192.168.1.1')).toBeUndefined();
    expect(index.locate('unknown')).toBeUndefined();
    expect(new ZoneIndex([]).locate('10.0.0.1')).toBeUndefined();
  });

  it('finds a zone and its view by name', () => {
    const index = new ZoneIndex(zones);
    expect(index.byName('cde')).toBe(zones[1]);
    expect(index.view('v6')).toEqual({ name: 'v6', classification: 'dmz' });
    expect(index.byName('nowhere')).toBeUndefined();
  });
});
