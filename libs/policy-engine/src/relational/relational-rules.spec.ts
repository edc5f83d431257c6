import type { HostObservation, PortObservation, RuleResult } from '@driftwatch/core';
import {
  compilePolicy,
  type CompiledPolicy,
  type DetectedChange,
  evaluate,
  type EvaluationInput,
  parsePolicyPack,
  type PolicyContext,
  PolicyError,
  type PolicyRule,
  type RelationalKind,
} from '@driftwatch/policy-engine';

const NOW = '2026-04-01T00:00:00.000Z';

function rule(
  kind: RelationalKind,
  params: Record<string, unknown>,
  message: string,
  id = `test.${kind}`,
): PolicyRule {
  return {
    id,
    title: `Inline ${kind} rule`,
    requirements: ['PCI DSS v4.0.1 1.2.1'],
    severity: 'high',
    kind,
    params,
    message,
    fixtures: { pass: [{}], fail: [{}] },
    source: `inline/${id}.yaml`,
  };
}

function policyOf(...rules: PolicyRule[]): CompiledPolicy {
  return compilePolicy({ name: 'inline', rules });
}

function port(
  protocol: PortObservation['protocol'],
  number: number,
  name?: string,
  state: PortObservation['state'] = 'open',
): PortObservation {
  return {
    protocol,
    port: number,
    state,
    reason: 'syn-ack',
    ...(name ? { service: { name, cpe: [] } } : {}),
    scripts: [],
  };
}

function host(
  addr: string,
  ports: PortObservation[] = [],
  status: HostObservation['status'] = 'up',
): HostObservation {
  return {
    status,
    addresses: [{ addr, type: addr.includes(':') ? 'ipv6' : 'ipv4' }],
    hostnames: [],
    ports,
    extraPorts: [],
    os: [],
    scripts: [],
  };
}

interface InputOptions {
  vantage?: string;
  hosts?: HostObservation[];
  context?: Partial<PolicyContext>;
  changes?: DetectedChange[];
  targets?: string[];
  missingTargets?: string[];
  takenAt?: string;
  snapshotId?: string;
  now?: string;
}

function input(options: InputOptions = {}): EvaluationInput {
  return {
    snapshot: {
      scope: {
        id: 'pay',
        vantage: options.vantage ?? 'corp',
        approvedPorts: [],
        ...(options.targets ? { targets: options.targets } : {}),
      },
      hosts: options.hosts ?? [],
      ...(options.missingTargets ? { missingTargets: options.missingTargets } : {}),
      ...(options.takenAt ? { takenAt: options.takenAt } : {}),
      ...(options.snapshotId ? { id: options.snapshotId } : {}),
    },
    ...(options.changes ? { changes: options.changes } : {}),
    context: options.context ?? {},
    now: new Date(options.now ?? NOW),
  };
}

function run(policy: CompiledPolicy, options: InputOptions): RuleResult[] {
  return evaluate(policy, input(options)).results;
}

/** "asset subject" per result, the shortest readable form of what was found. */
function found(results: RuleResult[]): string[] {
  return results.map((r) => `${r.asset} ${r.subject}`);
}

function compileError(rules: PolicyRule[]): PolicyError {
  try {
    compilePolicy({ name: 'inline', rules });
  } catch (error: unknown) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('expected a PolicyError');
}

describe('reachability rules', () => {
  const ZONES: PolicyContext['zones'] = [
    { name: 'cde', networks: ['10.10.0.0/16'], classification: 'cde' },
    { name: 'cde-db', networks: ['10.10.5.0/24'], classification: 'cde' },
    { name: 'corp', networks: ['10.20.0.0/16'], classification: 'internal' },
    { name: 'internet', networks: ['198.51.100.0/24'], classification: 'untrusted' },
  ];
  const FLOWS: PolicyContext['flows'] = [
    { from: 'corp', to: 'cde', ports: ['tcp/443', 22] },
    { from: 'corp', to: 'cde-db', ports: ['tcp/5432'] },
    { from: 'internet', to: 'cde', ports: ['tcp/443'] },
  ];
  const context: Partial<PolicyContext> = { zones: ZONES, flows: FLOWS };

  const inbound = policyOf(
    rule(
      'reachability',
      { from: { notClassifications: ['cde'] }, to: { classifications: ['cde'] }, allow: 'flows' },
      '{{address}} {{portKey}} ({{port.service.name}}) in {{detail.to}} answers from {{detail.from}}; allowed: {{detail.allowed}}',
    ),
  );

  it('allows a "tcp/443" flow on TCP only', () => {
    const results = run(inbound, {
      context,
      hosts: [host('10.10.0.5', [port('tcp', 443, 'https'), port('udp', 443)])],
    });
    expect(found(results)).toEqual(['10.10.0.5 udp/443']);
  });

  it('allows a flow given as a bare port number on every protocol', () => {
    const results = run(inbound, {
      context,
      hosts: [host('10.10.0.5', [port('tcp', 22, 'ssh'), port('udp', 22), port('sctp', 22)])],
    });
    expect(results).toEqual([]);
  });

  it('reports a port no flow allows, with the rendered message and the flow detail', () => {
    const [result, ...rest] = run(inbound, {
      context,
      hosts: [host('10.10.0.5', [port('tcp', 23, 'telnet')])],
    });
    expect(rest).toEqual([]);
    expect(result).toMatchObject({
      ruleId: 'test.reachability',
      title: 'Inline reachability rule',
      requirements: ['PCI DSS v4.0.1 1.2.1'],
      severity: 'high',
      asset: '10.10.0.5',
      subject: 'tcp/23',
      port: 23,
      protocol: 'tcp',
      message:
        '10.10.0.5 tcp/23 (telnet) in cde answers from corp; allowed: sctp/22, tcp/22, tcp/443, udp/22',
    });
    expect(result.evidence).toMatchObject({
      address: '10.10.0.5',
      port: 23,
      zone: 'cde',
      reachability: { from: 'corp', to: 'cde', allowed: ['sctp/22', 'tcp/22', 'tcp/443', 'udp/22'] },
    });
  });

  it('reports every open port of a zone with no flow from the vantage, listing no allowed port', () => {
    const [result] = run(inbound, {
      context: { zones: ZONES },
      hosts: [host('10.10.0.5', [port('tcp', 443, 'https')])],
    });
    expect(result.evidence).toMatchObject({ reachability: { from: 'corp', to: 'cde', allowed: [] } });
    expect(result.message).toBe('10.10.0.5 tcp/443 (https) in cde answers from corp; allowed: none');
  });

  it('places a host in the zone with the longest matching prefix (a /24 inside a /16)', () => {
    const results = run(inbound, {
      context,
      hosts: [
        host('10.10.5.7', [port('tcp', 443, 'https'), port('tcp', 5432, 'postgresql')]),
        host('10.10.6.7', [port('tcp', 443, 'https'), port('tcp', 5432, 'postgresql')]),
      ],
    });
    // 10.10.5.7 is in cde-db (only tcp/5432 allowed); 10.10.6.7 in cde (tcp/443 and 22).
    expect(found(results)).toEqual(['10.10.5.7 tcp/443', '10.10.6.7 tcp/5432']);
    expect(results.map((r) => r.evidence.zone)).toEqual(['cde-db', 'cde']);
  });

  it('judges only open ports of hosts that are up', () => {
    const results = run(inbound, {
      context,
      hosts: [
        host('10.10.0.5', [port('tcp', 23, 'telnet', 'closed'), port('tcp', 25, 'smtp', 'filtered')]),
        host('10.10.0.6', [port('tcp', 23, 'telnet')], 'down'),
      ],
    });
    expect(results).toEqual([]);
  });

  it('judges nothing when the vantage zone does not match `from`', () => {
    const results = run(inbound, {
      vantage: 'cde',
      context,
      hosts: [host('10.10.0.5', [port('tcp', 23, 'telnet')])],
    });
    expect(results).toEqual([]);
  });

  it('applies to nothing when the vantage zone is not declared', () => {
    const anywhere = policyOf(rule('reachability', { from: {}, to: {}, allow: 'nothing' }, '{{address}}'));
    const hosts = [host('10.10.0.5', [port('tcp', 23, 'telnet')])];
    expect(run(anywhere, { vantage: 'default', context, hosts })).toEqual([]);
    expect(run(anywhere, { vantage: 'corp', context: {}, hosts })).toEqual([]);
    expect(found(run(anywhere, { vantage: 'corp', context, hosts }))).toEqual(['10.10.0.5 tcp/23']);
  });

  it('skips hosts outside every declared zone', () => {
    const anywhere = policyOf(rule('reachability', { from: {}, to: {}, allow: 'nothing' }, '{{address}}'));
    const results = run(anywhere, {
      context,
      hosts: [host('192.168.1.5', [port('tcp', 23)]), host('10.10.0.5', [port('tcp', 23)])],
    });
    expect(found(results)).toEqual(['10.10.0.5 tcp/23']);
  });

  describe('within the vantage zone', () => {
    const hosts = [host('10.20.0.9', [port('tcp', 23, 'telnet')])];
    const params = { from: {}, to: { zones: ['corp'] }, allow: 'flows' };

    it('skips targets in the vantage zone by default', () => {
      expect(run(policyOf(rule('reachability', params, '{{address}}')), { context, hosts })).toEqual([]);
    });

    it('judges them with sameZone: true, by the zone-to-itself flows', () => {
      const same = policyOf(
        rule('reachability', { ...params, sameZone: true }, '{{detail.from}}->{{detail.to}}'),
      );
      const results = run(same, { context, hosts });
      expect(found(results)).toEqual(['10.20.0.9 tcp/23']);
      expect(results[0].message).toBe('corp->corp');
      const withFlow = { ...context, flows: [...FLOWS, { from: 'corp', to: 'corp', ports: [23] }] };
      expect(run(same, { context: withFlow, hosts })).toEqual([]);
    });
  });

  describe('allow: nothing to hosts storing card data', () => {
    const fromUntrusted = policyOf(
      parsePolicyPack('inline', [
        {
          path: 'inline/card-store.yaml',
          text: `id: test.card-store-reachable
title: A card data store answers from an untrusted network
requirements: ['PCI DSS v4.0.1 1.4.4']
severity: critical
kind: reachability
params:
  from: { classifications: [untrusted] }
  to: { storesCardData: true }
  allow: nothing
message: '{{address}} ({{asset.name}}) {{portKey}} answers from {{detail.from}}'
fixtures:
  fail: [{}]
  pass: [{}]
`,
        },
      ]).rules[0],
    );
    const cardContext: Partial<PolicyContext> = {
      ...context,
      inventory: [
        { address: '10.10.0.6', name: 'vault', storesCardData: true },
        { address: '10.10.0.5', name: 'web', storesCardData: false },
      ],
    };
    const hosts = [
      host('10.10.0.5', [port('tcp', 443, 'https'), port('tcp', 8080)]),
      host('10.10.0.6', [port('tcp', 443, 'https'), port('tcp', 5432)]),
      host('10.10.0.7', [port('tcp', 443, 'https')]),
    ];

    it('reports every open port of a declared card data store, even one a flow allows', () => {
      const results = run(fromUntrusted, { vantage: 'internet', context: cardContext, hosts });
      expect(found(results)).toEqual(['10.10.0.6 tcp/443', '10.10.0.6 tcp/5432']);
      expect(results[0]).toMatchObject({
        ruleId: 'test.card-store-reachable',
        severity: 'critical',
        message: '10.10.0.6 (vault) tcp/443 answers from internet',
      });
    });

    it('reports nothing from a vantage the rule does not select', () => {
      expect(run(fromUntrusted, { vantage: 'corp', context: cardContext, hosts })).toEqual([]);
    });
  });

  it('orders results by address (numerically), port and protocol, whatever the input order', () => {
    const anywhere = policyOf(rule('reachability', { from: {}, to: {}, allow: 'nothing' }, '{{address}}'));
    const hosts = [
      host('10.10.0.10', [port('udp', 53), port('tcp', 53), port('tcp', 22)]),
      host('10.10.0.9', [port('tcp', 443)]),
      host('10.10.0.100', [port('tcp', 1)]),
    ];
    const results = run(anywhere, { context, hosts });
    expect(found(results)).toEqual([
      '10.10.0.9 tcp/443',
      '10.10.0.10 tcp/22',
      '10.10.0.10 tcp/53',
      '10.10.0.10 udp/53',
      '10.10.0.100 tcp/1',
    ]);
    const reversed = [...hosts].reverse().map((h) => ({ ...h, ports: [...h.ports].reverse() }));
    expect(run(anywhere, { context, hosts: reversed })).toEqual(results);
    expect(run(anywhere, { context, hosts })).toEqual(results);
  });
});

describe('inventory rules', () => {
  const ZONES: PolicyContext['zones'] = [{ name: 'cde', networks: ['10.10.0.0/16'], classification: 'cde' }];
  const undeclared = policyOf(
    rule('inventory', { check: 'undeclared' }, '{{address}} in zone {{zone.name}} is up but not declared'),
  );
  const unseen = policyOf(
    rule(
      'inventory',
      { check: 'unseen', days: 30 },
      '{{address}} ({{asset.name}}) not seen for {{detail.days}} days (last: {{detail.lastSeenAt}})',
    ),
  );

  describe('undeclared', () => {
    it('reports a host that is up and not in the inventory, and no declared one', () => {
      const results = run(undeclared, {
        context: { zones: ZONES, inventory: [{ address: '10.10.0.5' }] },
        hosts: [host('10.10.0.9', [port('tcp', 22)]), host('10.10.0.5', [port('tcp', 22)])],
      });
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({
        ruleId: 'test.inventory',
        asset: '10.10.0.9',
        subject: 'inventory',
        message: '10.10.0.9 in zone cde is up but not declared',
      });
      expect(results[0]).not.toHaveProperty('port');
      expect(results[0].evidence).toMatchObject({ address: '10.10.0.9', zone: 'cde' });
    });

    it('matches an inventory address however it is spelt (IPv6 case and zero groups)', () => {
      const v6 = (addr: string): HostObservation => ({
        ...host('10.10.0.1'),
        addresses: [{ addr, type: 'ipv6' }],
      });
      const results = run(undeclared, {
        context: { inventory: [{ address: '2001:DB8:0::5' }] },
        hosts: [v6('2001:db8::5')],
      });
      expect(results).toEqual([]);
    });

    it('does not report a host that is down', () => {
      const results = run(undeclared, {
        context: { inventory: [{ address: '10.10.0.5' }] },
        hosts: [host('10.10.0.9', [], 'down')],
      });
      expect(results).toEqual([]);
    });

    it('reports nothing when no inventory is declared', () => {
      const hosts = [host('10.10.0.9'), host('10.10.0.10')];
      expect(run(undeclared, { context: { inventory: [] }, hosts })).toEqual([]);
      expect(run(undeclared, { context: {}, hosts })).toEqual([]);
    });
  });

  describe('unseen', () => {
    const TARGETS = ['10.10.0.0/24'];

    it('reports a declared asset last seen longer ago than `days`, but not one seen recently', () => {
      const results = run(unseen, {
        targets: TARGETS,
        context: {
          inventory: [
            { address: '10.10.0.5', name: 'recent', lastSeenAt: '2026-03-20T00:00:00Z' },
            { address: '10.10.0.6', name: 'gone', lastSeenAt: '2026-02-01T00:00:00Z' },
          ],
        },
      });
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({
        asset: '10.10.0.6',
        subject: 'inventory',
        message: '10.10.0.6 (gone) not seen for 30 days (last: 2026-02-01T00:00:00Z)',
      });
      expect(results[0].evidence).toMatchObject({
        address: '10.10.0.6',
        inventory: { days: 30, lastSeenAt: '2026-02-01T00:00:00Z' },
      });
    });

    it('counts an asset never seen from when it was declared, and reads "never"', () => {
      const results = run(unseen, {
        targets: TARGETS,
        context: {
          inventory: [
            { address: '10.10.0.7', name: 'new', declaredAt: '2026-03-25T00:00:00Z' },
            { address: '10.10.0.8', name: 'old', declaredAt: '2025-12-01T00:00:00Z' },
            { address: '10.10.0.9', name: 'undated' },
          ],
        },
      });
      expect(found(results)).toEqual(['10.10.0.8 inventory', '10.10.0.9 inventory']);
      expect(results.map((r) => r.message)).toEqual([
        '10.10.0.8 (old) not seen for 30 days (last: never)',
        '10.10.0.9 (undated) not seen for 30 days (last: never)',
      ]);
    });

    it('does not report an asset that is up in this snapshot, however old its lastSeenAt', () => {
      const results = run(unseen, {
        targets: TARGETS,
        hosts: [host('10.10.0.6'), host('10.10.0.7', [], 'down')],
        context: {
          inventory: [
            { address: '10.10.0.6', lastSeenAt: '2025-01-01T00:00:00Z' },
            { address: '10.10.0.7', lastSeenAt: '2025-01-01T00:00:00Z' },
          ],
        },
      });
      expect(found(results)).toEqual(['10.10.0.7 inventory']);
    });

    it('ignores assets outside the scope targets and assets declared out of scope', () => {
      const results = run(unseen, {
        targets: TARGETS,
        context: {
          inventory: [
            { address: '10.10.1.5', lastSeenAt: '2025-01-01T00:00:00Z' },
            { address: '10.10.0.5', inScope: false, lastSeenAt: '2025-01-01T00:00:00Z' },
            { address: '10.10.0.6', lastSeenAt: '2025-01-01T00:00:00Z' },
          ],
        },
      });
      expect(found(results)).toEqual(['10.10.0.6 inventory']);
    });

    it('judges every declared asset when the scope names no targets', () => {
      const results = run(unseen, {
        context: { inventory: [{ address: '10.10.1.5', lastSeenAt: '2025-01-01T00:00:00Z' }] },
      });
      expect(found(results)).toEqual(['10.10.1.5 inventory']);
    });

    it('moves with the evaluation time', () => {
      const options: InputOptions = {
        targets: TARGETS,
        context: { inventory: [{ address: '10.10.0.6', lastSeenAt: '2026-03-20T00:00:00Z' }] },
      };
      expect(run(unseen, { ...options, now: '2026-04-01T00:00:00Z' })).toEqual([]);
      expect(found(run(unseen, { ...options, now: '2026-05-01T00:00:00Z' }))).toEqual([
        '10.10.0.6 inventory',
      ]);
    });

    it('reports nothing when no inventory is declared', () => {
      expect(run(unseen, { targets: TARGETS, context: {} })).toEqual([]);
    });
  });
});

describe('approved-change rules', () => {
  const OPENING_TYPES = ['host-appeared', 'port-added', 'port-state-changed', 'service-changed'];
  const message =
    '{{change.type}} on {{address}} {{portKey}} at {{detail.detectedAt}} matches no approved change';
  const approvedChange = policyOf(rule('approved-change', { types: OPENING_TYPES }, message));
  const onlyOpening = policyOf(rule('approved-change', { types: OPENING_TYPES, onlyOpening: true }, message));

  function portAdded(
    address: string,
    number = 443,
    protocol: 'tcp' | 'udp' = 'tcp',
    detectedAt?: string,
    state: PortObservation['state'] = 'open',
  ): DetectedChange {
    return {
      type: 'port-added',
      address,
      port: number,
      protocol,
      after: { state },
      ...(detectedAt ? { detectedAt } : {}),
    };
  }

  const hostAppeared: DetectedChange = {
    type: 'host-appeared',
    address: '10.0.0.9',
    after: {
      status: 'up',
      addresses: [{ addr: '10.0.0.9', type: 'ipv4' }],
      hostnames: [],
      ports: [],
      extraPorts: [],
      os: [],
      scripts: [],
    },
  };

  const approval = (extra: Partial<PolicyContext['approvedChanges'][number]> = {}) => ({
    approvedChanges: [{ reference: 'CHG-1', targets: ['10.0.0.0/24'], ...extra }],
  });

  it('reports an unapproved port change with its identity, port and rendered message', () => {
    const [result, ...rest] = run(approvedChange, {
      takenAt: '2026-03-31T00:00:00Z',
      changes: [portAdded('10.0.0.5')],
    });
    expect(rest).toEqual([]);
    expect(result).toMatchObject({
      ruleId: 'test.approved-change',
      asset: '10.0.0.5',
      subject: 'change:port-added:tcp/443',
      port: 443,
      protocol: 'tcp',
      message: 'port-added on 10.0.0.5 tcp/443 at 2026-03-31T00:00:00Z matches no approved change',
    });
    expect(result.evidence).toMatchObject({ approval: 'none matches', change: portAdded('10.0.0.5') });
  });

  it('approves a change whose address lies in the approval targets, and no other', () => {
    const results = run(approvedChange, {
      context: approval(),
      changes: [portAdded('10.0.0.5'), portAdded('10.0.1.5')],
    });
    expect(found(results)).toEqual(['10.0.1.5 change:port-added:tcp/443']);
  });

  it('matches approval ports by protocol: "tcp/443" approves TCP only', () => {
    const results = run(approvedChange, {
      context: approval({ ports: ['tcp/443'] }),
      changes: [
        portAdded('10.0.0.5', 443, 'tcp'),
        portAdded('10.0.0.5', 443, 'udp'),
        portAdded('10.0.0.5', 22),
      ],
    });
    expect(found(results)).toEqual([
      '10.0.0.5 change:port-added:tcp/22',
      '10.0.0.5 change:port-added:udp/443',
    ]);
  });

  it('lets a bare port number in an approval approve the port on every protocol', () => {
    const results = run(approvedChange, {
      context: approval({ ports: [443] }),
      changes: [portAdded('10.0.0.5', 443, 'tcp'), portAdded('10.0.0.5', 443, 'udp')],
    });
    expect(results).toEqual([]);
  });

  it('does not let an approval limited to ports approve a host-level change', () => {
    const results = run(approvedChange, { context: approval({ ports: [443] }), changes: [hostAppeared] });
    expect(found(results)).toEqual(['10.0.0.9 change:host-appeared']);
    expect(results[0]).not.toHaveProperty('port');
    expect(results[0].message).toBe(`host-appeared on 10.0.0.9 unknown at ${NOW} matches no approved change`);
    expect(run(approvedChange, { context: approval(), changes: [hostAppeared] })).toEqual([]);
  });

  it('approves only the change types an approval lists', () => {
    const serviceChanged: DetectedChange = {
      type: 'service-changed',
      address: '10.0.0.5',
      port: 443,
      protocol: 'tcp',
      before: { name: 'https', product: 'nginx' },
      after: { name: 'https', product: 'Apache httpd' },
    };
    const results = run(approvedChange, {
      context: approval({ types: ['port-added'] }),
      changes: [portAdded('10.0.0.5'), serviceChanged],
    });
    expect(found(results)).toEqual(['10.0.0.5 change:service-changed:tcp/443']);
  });

  it('judges only the change types the rule names', () => {
    const removed: DetectedChange = {
      type: 'port-removed',
      address: '10.0.0.5',
      port: 23,
      protocol: 'tcp',
      before: { state: 'open' },
    };
    expect(run(approvedChange, { changes: [removed] })).toEqual([]);
  });

  describe('the validity window', () => {
    const window = approval({ validFrom: '2026-03-01T00:00:00Z', validUntil: '2026-03-15T00:00:00Z' });

    it('approves a change detected inside the window, bounds included', () => {
      const changes = [
        portAdded('10.0.0.5', 443, 'tcp', '2026-03-01T00:00:00Z'),
        portAdded('10.0.0.6', 443, 'tcp', '2026-03-10T00:00:00Z'),
        portAdded('10.0.0.7', 443, 'tcp', '2026-03-15T00:00:00Z'),
      ];
      expect(run(approvedChange, { context: window, changes })).toEqual([]);
    });

    it('does not approve a change detected before validFrom or after validUntil', () => {
      const results = run(approvedChange, {
        context: window,
        changes: [
          portAdded('10.0.0.5', 443, 'tcp', '2026-02-28T23:59:59Z'),
          portAdded('10.0.0.6', 443, 'tcp', '2026-03-15T00:00:01Z'),
        ],
      });
      expect(found(results)).toEqual([
        '10.0.0.5 change:port-added:tcp/443',
        '10.0.0.6 change:port-added:tcp/443',
      ]);
      expect(results.map((r) => r.evidence.change)).toMatchObject([
        { detectedAt: '2026-02-28T23:59:59Z' },
        { detectedAt: '2026-03-15T00:00:01Z' },
      ]);
      expect(results[0].message).toContain('at 2026-02-28T23:59:59Z');
    });

    it('dates a change without detectedAt by the snapshot time, else by the evaluation time', () => {
      const changes = [portAdded('10.0.0.5')];
      expect(run(approvedChange, { context: window, changes, takenAt: '2026-03-05T00:00:00Z' })).toEqual([]);
      const late = run(approvedChange, { context: window, changes, takenAt: '2026-03-20T00:00:00Z' });
      expect(late[0].message).toContain('at 2026-03-20T00:00:00Z');
      // No snapshot time: the evaluation time (2026-04-01) is outside the window.
      const undated = run(approvedChange, { context: window, changes });
      expect(undated[0].message).toContain(`at ${NOW}`);
      expect(run(approvedChange, { context: window, changes, now: '2026-03-05T00:00:00Z' })).toEqual([]);
    });

    it('leaves an open-ended window open on that side', () => {
      const from = approval({ validFrom: '2026-03-01T00:00:00Z' });
      expect(
        run(approvedChange, {
          context: from,
          changes: [portAdded('10.0.0.5', 443, 'tcp', '2030-01-01T00:00:00Z')],
        }),
      ).toEqual([]);
      const until = approval({ validUntil: '2026-03-01T00:00:00Z' });
      expect(
        run(approvedChange, {
          context: until,
          changes: [portAdded('10.0.0.5', 443, 'tcp', '2020-01-01T00:00:00Z')],
        }),
      ).toEqual([]);
    });
  });

  describe('onlyOpening', () => {
    const closing: DetectedChange = {
      type: 'port-state-changed',
      address: '10.0.0.5',
      port: 23,
      protocol: 'tcp',
      before: { state: 'open' },
      after: { state: 'closed' },
    };
    const opening: DetectedChange = {
      ...closing,
      port: 24,
      before: { state: 'closed' },
      after: { state: 'open' },
    };

    it('judges only changes that expose something: a port opening, a host appearing', () => {
      const results = run(onlyOpening, {
        changes: [closing, opening, portAdded('10.0.0.5', 25, 'tcp', undefined, 'filtered'), hostAppeared],
      });
      expect(found(results)).toEqual([
        '10.0.0.5 change:port-state-changed:tcp/24',
        '10.0.0.9 change:host-appeared',
      ]);
    });

    it('judges a service change only on a port that is open now', () => {
      const serviceChanged: DetectedChange = {
        type: 'service-changed',
        address: '10.0.0.5',
        port: 23,
        protocol: 'tcp',
        before: { name: 'telnet', product: 'Linux telnetd' },
        after: { name: 'telnet' },
      };
      const closed = run(onlyOpening, {
        changes: [serviceChanged],
        hosts: [host('10.0.0.5', [port('tcp', 23, 'telnet', 'closed')])],
      });
      expect(closed).toEqual([]);
      const open = run(onlyOpening, {
        changes: [serviceChanged],
        hosts: [host('10.0.0.5', [port('tcp', 23)])],
      });
      expect(found(open)).toEqual(['10.0.0.5 change:service-changed:tcp/23']);
    });

    it('judges a closing change too without it', () => {
      const results = run(approvedChange, { changes: [closing] });
      expect(found(results)).toEqual(['10.0.0.5 change:port-state-changed:tcp/23']);
    });
  });

  it('orders results by address and port whatever the order of the changes', () => {
    const changes = [portAdded('10.0.0.10', 80), portAdded('10.0.0.2', 443), portAdded('10.0.0.2', 22)];
    const results = run(approvedChange, { changes });
    expect(found(results)).toEqual([
      '10.0.0.2 change:port-added:tcp/22',
      '10.0.0.2 change:port-added:tcp/443',
      '10.0.0.10 change:port-added:tcp/80',
    ]);
    expect(run(approvedChange, { changes: [...changes].reverse() })).toEqual(results);
  });
});

describe('coverage rules', () => {
  describe('incomplete-snapshot', () => {
    const incomplete = policyOf(
      rule(
        'coverage',
        { check: 'incomplete-snapshot' },
        '{{detail.target}} was not covered by snapshot {{detail.snapshot}}',
      ),
    );

    it('reports each missing target once, with the target as the asset', () => {
      const results = run(incomplete, {
        snapshotId: 'snap-7',
        missingTargets: ['10.0.1.0/24', '10.0.0.0/24'],
      });
      expect(results.map((r) => [r.asset, r.subject, r.message])).toEqual([
        ['10.0.0.0/24', 'coverage', '10.0.0.0/24 was not covered by snapshot snap-7'],
        ['10.0.1.0/24', 'coverage', '10.0.1.0/24 was not covered by snapshot snap-7'],
      ]);
      expect(results[0].evidence).toEqual({
        target: '10.0.0.0/24',
        coverage: { target: '10.0.0.0/24', snapshot: 'snap-7' },
      });
      expect(results[0]).not.toHaveProperty('port');
    });

    it('reads "unknown" for a snapshot without an id', () => {
      const [result] = run(incomplete, { missingTargets: ['10.0.0.5'] });
      expect(result.message).toBe('10.0.0.5 was not covered by snapshot unknown');
    });

    it('reports nothing for a complete snapshot', () => {
      expect(run(incomplete, {})).toEqual([]);
      expect(run(incomplete, { missingTargets: [] })).toEqual([]);
    });
  });

  describe('failed-scan', () => {
    const failed = policyOf(
      rule(
        'coverage',
        { check: 'failed-scan' },
        'scan {{detail.scan}} at {{detail.at}} failed: {{detail.error}}',
      ),
    );

    it('reports the scope when its latest scan by time failed, whatever the list order', () => {
      const results = run(failed, {
        context: {
          scans: [
            { id: 'old', at: '2026-03-01T00:00:00Z', status: 'completed' },
            { id: 'new', at: '2026-03-02T00:00:00Z', status: 'failed', error: 'nmap exited 1' },
          ],
        },
      });
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({
        asset: 'scope:pay',
        subject: 'scan',
        message: 'scan new at 2026-03-02T00:00:00Z failed: nmap exited 1',
      });
      expect(results[0].evidence).toEqual({
        scan: { id: 'new', at: '2026-03-02T00:00:00Z', status: 'failed', error: 'nmap exited 1' },
      });
    });

    it('reports nothing when an earlier scan failed but the latest completed, listed first or last', () => {
      const scans: PolicyContext['scans'] = [
        { id: 'failed', at: '2026-03-01T00:00:00Z', status: 'failed' },
        { id: 'ok', at: '2026-03-02T00:00:00Z', status: 'completed' },
      ];
      expect(run(failed, { context: { scans } })).toEqual([]);
      expect(run(failed, { context: { scans: [...scans].reverse() } })).toEqual([]);
    });

    it('reports nothing for a cancelled latest scan or no scans at all', () => {
      expect(
        run(failed, { context: { scans: [{ at: '2026-03-02T00:00:00Z', status: 'cancelled' }] } }),
      ).toEqual([]);
      expect(run(failed, { context: {} })).toEqual([]);
    });

    it('reads "unknown" for a failed scan without id or error', () => {
      const [result] = run(failed, {
        context: { scans: [{ at: '2026-03-02T00:00:00Z', status: 'failed' }] },
      });
      expect(result.message).toBe('scan unknown at 2026-03-02T00:00:00Z failed: unknown');
    });
  });

  describe('stale', () => {
    const stale = policyOf(
      rule(
        'coverage',
        { check: 'stale', days: 90 },
        '{{address}} ({{asset.name}}) not scanned for {{detail.days}} days (last: {{detail.lastScannedAt}})',
      ),
    );
    const LATER = '2026-06-01T00:00:00Z';
    const TARGETS = ['10.0.0.0/24'];
    const inventory = [{ address: '10.0.0.5', name: 'web-1' }];

    it('counts an asset inside the targets as scanned when the snapshot was taken', () => {
      expect(
        run(stale, { now: LATER, takenAt: '2026-05-01T00:00:00Z', targets: TARGETS, context: { inventory } }),
      ).toEqual([]);
      const results = run(stale, {
        now: LATER,
        takenAt: '2026-01-01T00:00:00Z',
        targets: TARGETS,
        context: { inventory },
      });
      expect(results.map((r) => [r.asset, r.subject, r.message])).toEqual([
        ['10.0.0.5', 'coverage', '10.0.0.5 (web-1) not scanned for 90 days (last: 2026-01-01T00:00:00Z)'],
      ]);
      expect(results[0].evidence).toEqual({
        address: '10.0.0.5',
        coverage: { days: 90, lastScannedAt: '2026-01-01T00:00:00Z' },
      });
    });

    it('counts a snapshot without a time as taken at the evaluation time', () => {
      expect(run(stale, { now: LATER, targets: TARGETS, context: { inventory } })).toEqual([]);
    });

    it("falls back to the asset's lastScannedAt when the snapshot missed its target", () => {
      const base = {
        now: LATER,
        takenAt: '2026-05-31T00:00:00Z',
        targets: TARGETS,
        missingTargets: ['10.0.0.0/25'],
      };
      const old = run(stale, {
        ...base,
        context: { inventory: [{ ...inventory[0], lastScannedAt: '2026-01-02T00:00:00Z' }] },
      });
      expect(old.map((r) => r.message)).toEqual([
        '10.0.0.5 (web-1) not scanned for 90 days (last: 2026-01-02T00:00:00Z)',
      ]);
      const recent = run(stale, {
        ...base,
        context: { inventory: [{ ...inventory[0], lastScannedAt: '2026-05-15T00:00:00Z' }] },
      });
      expect(recent).toEqual([]);
      const never = run(stale, { ...base, context: { inventory } });
      expect(never.map((r) => r.message)).toEqual(['10.0.0.5 (web-1) not scanned for 90 days (last: never)']);
      // An asset in the covered half is scanned by this snapshot.
      expect(run(stale, { ...base, context: { inventory: [{ address: '10.0.0.200' }] } })).toEqual([]);
    });

    it('ignores assets declared out of scope and assets outside the scope targets', () => {
      const results = run(stale, {
        now: LATER,
        takenAt: '2026-01-01T00:00:00Z',
        targets: TARGETS,
        context: {
          inventory: [
            { address: '10.0.0.5', inScope: false },
            { address: '10.0.1.5', lastScannedAt: '2025-01-01T00:00:00Z' },
            { address: '10.0.0.6' },
          ],
        },
      });
      expect(found(results)).toEqual(['10.0.0.6 coverage']);
    });

    it('uses lastScannedAt for every asset when the scope names no targets', () => {
      const results = run(stale, {
        now: LATER,
        takenAt: '2026-05-31T00:00:00Z',
        context: {
          inventory: [
            { address: '10.0.0.5', lastScannedAt: '2026-05-01T00:00:00Z' },
            { address: '10.0.0.6', lastScannedAt: '2026-01-01T00:00:00Z' },
          ],
        },
      });
      expect(found(results)).toEqual(['10.0.0.6 coverage']);
    });
  });
});

describe('relational rule parameters', () => {
  function pointerOf(kind: RelationalKind, params: Record<string, unknown>): PolicyError['details'] {
    return compileError([rule(kind, params, '{{address}}')]).details;
  }

  it('refuses a missing parameter, pointing at it under /params', () => {
    expect(pointerOf('reachability', { from: {}, to: {} })).toMatchObject({
      file: 'inline/test.reachability.yaml',
      pointer: '/params/allow',
    });
    expect(pointerOf('coverage', { days: 30 }).pointer).toBe('/params/check');
    expect(pointerOf('coverage', {}).pointer).toBe('/params/check');
    expect(pointerOf('inventory', {}).pointer).toBe('/params/check');
    expect(pointerOf('approved-change', { onlyOpening: true }).pointer).toBe('/params/types');
  });

  it('refuses an unknown parameter, naming it', () => {
    const details = pointerOf('reachability', { from: {}, to: {}, allow: 'flows', sameZones: true });
    expect(details).toMatchObject({
      pointer: '/params/sameZones',
      reason: 'unknown reachability parameter "sameZones"',
    });
  });

  it('refuses a value outside its enum, listing the allowed values', () => {
    const details = pointerOf('reachability', { from: {}, to: {}, allow: 'everything' });
    expect(details.pointer).toBe('/params/allow');
    expect(details.reason).toContain('"flows", "nothing"');
    expect(
      pointerOf('reachability', { from: { classifications: ['pci'] }, to: {}, allow: 'flows' }).pointer,
    ).toBe('/params/from/classifications/0');
    expect(pointerOf('approved-change', { types: ['port-opened'] }).pointer).toBe('/params/types/0');
  });

  it('requires days for the unseen and stale checks, and a sensible number of them', () => {
    expect(pointerOf('inventory', { check: 'unseen' }).pointer).toBe('/params/days');
    expect(pointerOf('coverage', { check: 'stale' }).pointer).toBe('/params/days');
    expect(pointerOf('coverage', { check: 'stale', days: 0 }).pointer).toBe('/params/days');
    expect(pointerOf('inventory', { check: 'unseen', days: 1.5 }).pointer).toBe('/params/days');
  });

  it('points at the line of the bad parameter in a rule file', () => {
    const pack = parsePolicyPack('inline', [
      {
        path: 'rules/reach.yaml',
        text: `id: test.reach
title: Reachability
requirements: ['PCI DSS v4.0.1 1.3.1']
severity: high
kind: reachability
params:
  from: {}
  to: {}
  allow: sometimes
message: '{{address}}'
fixtures:
  fail: [{}]
  pass: [{}]
`,
      },
    ]);
    const error = compileError(pack.rules);
    expect(error.details).toMatchObject({ file: 'rules/reach.yaml', pointer: '/params/allow', line: 9 });
    expect(error.details.pointer.startsWith('/params')).toBe(true);
  });
});
