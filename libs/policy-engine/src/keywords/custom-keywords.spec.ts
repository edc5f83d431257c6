import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { HostObservation, TlsFacts } from '@driftwatch/core';
import { compilePolicy, evaluate, type EvaluationInput, parsePolicyPack } from '@driftwatch/policy-engine';
import { addCustomKeywords } from './custom-keywords';

// The same setup as condition-compiler.ts: strict mode, $data, formats and the custom keywords.
function newAjv(): Ajv {
  const ajv = new Ajv({ strict: true, $data: true });
  addFormats(ajv);
  addCustomKeywords(ajv);
  return ajv;
}

/** Validates `value` against `schema` once, with a fresh ajv. */
function holds(schema: object, value: unknown): boolean {
  return newAjv().compile(schema)(value);
}

function compileMessage(schema: object): string {
  try {
    newAjv().compile(schema);
  } catch (error: unknown) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected the schema to be refused');
}

describe('versionBelow and versionAtLeast', () => {
  const below = (bound: string, version: string) => holds({ type: 'string', versionBelow: bound }, version);
  const atLeast = (bound: string, version: string) =>
    holds({ type: 'string', versionAtLeast: bound }, version);

  it('compares runs of digits as numbers: 9.6p1 is at least 8.0 and not below it', () => {
    expect(atLeast('8.0', '9.6p1')).toBe(true);
    expect(below('8.0', '9.6p1')).toBe(false);
  });

  it('orders 7.4p1 below 7.10 (numerically, not as text)', () => {
    expect(below('7.10', '7.4p1')).toBe(true);
    expect(atLeast('7.10', '7.4p1')).toBe(false);
  });

  it('compares letter suffixes as text: 1.1.1w is at least 1.1.1k, 1.1.1k is below 1.1.1w', () => {
    expect(atLeast('1.1.1k', '1.1.1w')).toBe(true);
    expect(below('1.1.1k', '1.1.1w')).toBe(false);
    expect(below('1.1.1w', '1.1.1k')).toBe(true);
  });

  it('treats an equal version as at least the bound and not below it', () => {
    expect(atLeast('2.4.58', '2.4.58')).toBe(true);
    expect(below('2.4.58', '2.4.58')).toBe(false);
  });

  it('ignores case in letter runs', () => {
    expect(atLeast('1.1.1K', '1.1.1k')).toBe(true);
    expect(below('1.1.1K', '1.1.1k')).toBe(false);
  });

  it('lets an unreadable version such as "unknown" satisfy neither keyword', () => {
    expect(below('8.0', 'unknown')).toBe(false);
    expect(atLeast('8.0', 'unknown')).toBe(false);
    expect(below('8.0', '')).toBe(false);
    expect(atLeast('8.0', '')).toBe(false);
  });

  it('needs `type: string` beside it in strict mode, so a condition cannot silently skip non-strings', () => {
    expect(compileMessage({ versionBelow: '8.0' })).toContain(
      'missing type "string" for keyword "versionBelow"',
    );
  });

  it('judges a nested version inside an object condition', () => {
    const schema = {
      type: 'object',
      properties: {
        service: { type: 'object', properties: { version: { type: 'string', versionBelow: '8.0' } } },
      },
    };
    expect(holds(schema, { service: { version: '7.4p1' } })).toBe(true);
    expect(holds(schema, { service: { version: '9.6p1' } })).toBe(false);
  });

  it('refuses a bound without a digit at compile time', () => {
    expect(compileMessage({ type: 'string', versionBelow: 'x' })).toContain(
      'keyword "versionBelow" value is invalid',
    );
    expect(compileMessage({ type: 'string', versionAtLeast: 'latest' })).toContain(
      'keyword "versionAtLeast" value is invalid',
    );
  });

  it('refuses a bound that is not a string at compile time', () => {
    expect(compileMessage({ type: 'string', versionAtLeast: 8 })).toMatch(/versionAtLeast/);
  });
});

describe('inNetworks', () => {
  const within = (networks: string[], address: unknown) =>
    holds({ type: 'string', inNetworks: networks }, address);

  it('holds for an IPv4 address inside a listed CIDR block and not for one outside', () => {
    expect(within(['10.0.0.0/8', '192.168.1.0/24'], '10.20.30.40')).toBe(true);
    expect(within(['10.0.0.0/8', '192.168.1.0/24'], '192.168.1.200')).toBe(true);
    expect(within(['10.0.0.0/8', '192.168.1.0/24'], '192.168.2.1')).toBe(false);
  });

  it('accepts a single address as a network of one', () => {
    expect(within(['10.0.0.5'], '10.0.0.5')).toBe(true);
    expect(within(['10.0.0.5'], '10.0.0.6')).toBe(false);
  });

  it('holds for an IPv6 address inside an IPv6 block and never across families', () => {
    expect(within(['2001:db8::/32'], '2001:db8:1::1')).toBe(true);
    expect(within(['2001:db8::/32'], '2001:db9::1')).toBe(false);
    expect(within(['2001:db8::/32'], '10.0.0.1')).toBe(false);
    expect(within(['10.0.0.0/8'], '2001:db8::1')).toBe(false);
  });

  it('reads an IPv4-mapped IPv6 address as the IPv4 address it carries', () => {
    expect(within(['10.0.0.0/8'], '::ffff:10.1.2.3')).toBe(true);
    expect(within(['10.0.0.0/8'], '::ffff:11.1.2.3')).toBe(false);
  });

  it('does not hold for a string that is not an address', () => {
    expect(within(['10.0.0.0/8'], 'web-01.example.com')).toBe(false);
    expect(within(['10.0.0.0/8'], 'unknown')).toBe(false);
    expect(within(['10.0.0.0/8'], '')).toBe(false);
  });

  it('reads the list from the data root in its $data form', () => {
    const schema = {
      type: 'object',
      properties: { address: { type: 'string', inNetworks: { $data: '/networks' } } },
    };
    const validate = newAjv().compile(schema);
    expect(validate({ address: '10.1.2.3', networks: ['10.1.0.0/16'] })).toBe(true);
    expect(validate({ address: '10.2.2.3', networks: ['10.1.0.0/16'] })).toBe(false);
    // The same compiled schema follows the data: another list, another verdict.
    expect(validate({ address: '10.2.2.3', networks: ['10.1.0.0/16', '10.2.0.0/16'] })).toBe(true);
  });

  it('skips unparseable entries of a $data list instead of failing the whole check', () => {
    const validate = newAjv().compile({
      type: 'object',
      properties: { address: { type: 'string', inNetworks: { $data: '/networks' } } },
    });
    expect(validate({ address: '10.1.2.3', networks: ['not-a-network', '10.1.0.0/16'] })).toBe(true);
    expect(validate({ address: '10.1.2.3', networks: ['10.0.0.0/33', '10.1.0.0/16'] })).toBe(true);
    expect(validate({ address: '10.1.2.3', networks: ['not-a-network'] })).toBe(false);
    expect(validate({ address: '10.1.2.3', networks: [] })).toBe(false);
  });

  it('fails, rather than skips, when the $data list is not a list of strings', () => {
    const validate = newAjv().compile({
      type: 'object',
      properties: { address: { type: 'string', inNetworks: { $data: '/networks' } } },
    });
    // ajv checks a $data value against the keyword's metaSchema at validation time.
    expect(validate({ address: '10.1.2.3', networks: [7, '10.1.0.0/16'] })).toBe(false);
    expect(validate({ address: '10.1.2.3', networks: '10.1.0.0/16' })).toBe(false);
  });

  it('refuses an invalid network at compile time, naming it', () => {
    expect(compileMessage({ type: 'string', inNetworks: ['10.0.0.0/33'] })).toContain(
      'inNetworks: "10.0.0.0/33" is not an IP address or CIDR block',
    );
    expect(compileMessage({ type: 'string', inNetworks: ['corp-lan'] })).toContain('"corp-lan"');
  });

  it('refuses a list value that is not an array of strings at compile time', () => {
    expect(compileMessage({ type: 'string', inNetworks: '10.0.0.0/8' })).toMatch(/inNetworks/);
    expect(compileMessage({ type: 'string', inNetworks: [10] })).toContain(
      'keyword "inNetworks" value is invalid',
    );
  });
});

describe('dateBefore and dateAfter', () => {
  const NOW = '2026-04-01T12:00:00.000Z';
  const DAY = 86_400_000;
  const at = (offsetMs: number) => new Date(Date.parse(NOW) + offsetMs).toISOString();

  // The subject shape rules see: the date somewhere inside it, `now` at its root.
  // `now: null` leaves `now` out of the data.
  function judge(
    keyword: 'dateBefore' | 'dateAfter',
    bound: string,
    value: string,
    now: string | null = NOW,
  ): boolean {
    const validate = newAjv().compile({
      type: 'object',
      properties: {
        cert: { type: 'object', properties: { notAfter: { type: 'string', [keyword]: bound } } },
      },
    });
    return validate({ ...(now === null ? {} : { now }), cert: { notAfter: value } });
  }

  it('reads only ISO 8601 dates: text with a number in it is not a date', () => {
    expect(judge('dateAfter', 'now-30d', 'Can\'t parse; string is "230101"')).toBe(false);
    expect(judge('dateBefore', 'now', 'OpenSSH 7')).toBe(false);
    expect(judge('dateBefore', 'now', '2026-03-01')).toBe(true);
  });

  it('compares against `now` at the data root', () => {
    expect(judge('dateBefore', 'now', at(-1000))).toBe(true);
    expect(judge('dateBefore', 'now', at(1000))).toBe(false);
    expect(judge('dateAfter', 'now', at(1000))).toBe(true);
    expect(judge('dateAfter', 'now', at(-1000))).toBe(false);
  });

  it('is strict at the bound itself: a value equal to the bound is neither before nor after it', () => {
    expect(judge('dateBefore', 'now', NOW)).toBe(false);
    expect(judge('dateAfter', 'now', NOW)).toBe(false);
  });

  it('resolves now+30d to thirty days after the evaluation time', () => {
    expect(judge('dateBefore', 'now+30d', at(29 * DAY))).toBe(true);
    expect(judge('dateBefore', 'now+30d', at(31 * DAY))).toBe(false);
    expect(judge('dateAfter', 'now+30d', at(31 * DAY))).toBe(true);
  });

  it('resolves now-90d to ninety days before the evaluation time', () => {
    expect(judge('dateBefore', 'now-90d', at(-91 * DAY))).toBe(true);
    expect(judge('dateBefore', 'now-90d', at(-89 * DAY))).toBe(false);
    expect(judge('dateAfter', 'now-90d', at(-89 * DAY))).toBe(true);
  });

  it('resolves hours and minutes: now+12h and now-30m', () => {
    const HOUR = 3_600_000;
    expect(judge('dateBefore', 'now+12h', at(11 * HOUR))).toBe(true);
    expect(judge('dateBefore', 'now+12h', at(13 * HOUR))).toBe(false);
    expect(judge('dateAfter', 'now-30m', at(-29 * 60_000))).toBe(true);
    expect(judge('dateAfter', 'now-30m', at(-31 * 60_000))).toBe(false);
  });

  it('moves a relative bound with the `now` of the data', () => {
    const value = '2026-05-15T00:00:00Z';
    expect(judge('dateBefore', 'now+30d', value, '2026-04-01T00:00:00Z')).toBe(false);
    expect(judge('dateBefore', 'now+30d', value, '2026-04-20T00:00:00Z')).toBe(true);
  });

  it('compares against an absolute ISO date or date-time whatever `now` is', () => {
    expect(judge('dateBefore', '2026-01-01', '2025-12-31T23:59:59Z')).toBe(true);
    expect(judge('dateBefore', '2026-01-01', '2026-01-01T00:00:01Z')).toBe(false);
    expect(judge('dateAfter', '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z')).toBe(true);
    // An offset in the bound is honoured: 02:00+02:00 is midnight UTC.
    expect(judge('dateAfter', '2026-01-01T02:00:00+02:00', '2026-01-01T00:30:00Z')).toBe(true);
    expect(judge('dateBefore', '2026-01-01T02:00:00+02:00', '2026-01-01T00:30:00Z')).toBe(false);
    // No `now` at all: an absolute bound does not need one.
    expect(judge('dateBefore', '2026-01-01', '2025-06-01T00:00:00Z', null)).toBe(true);
  });

  it('reads a date-time without a zone (as nmap ssl-cert prints it) as UTC, whatever the local zone', () => {
    const value = '2026-12-23T12:09:48';
    expect(judge('dateBefore', '2026-12-23T12:09:49Z', value)).toBe(true);
    expect(judge('dateAfter', '2026-12-23T12:09:47Z', value)).toBe(true);
    expect(judge('dateBefore', '2026-12-23T12:09:48Z', value)).toBe(false);
    expect(judge('dateAfter', '2026-12-23T12:09:48Z', value)).toBe(false);
  });

  it('lets an unparseable date satisfy neither keyword', () => {
    // nmap's ssl-cert writes `Can't parse; string is "..."` for a validity date it cannot read.
    for (const value of [
      'unknown',
      '',
      'MISSING',
      'Can\'t parse; string is "20501231235959Z"',
      '2026-13-45',
    ]) {
      expect(judge('dateBefore', 'now+30d', value)).toBe(false);
      expect(judge('dateAfter', 'now-30d', value)).toBe(false);
      expect(judge('dateBefore', '2100-01-01', value)).toBe(false);
    }
  });

  it('lets a relative bound hold never when the data has no readable `now`', () => {
    expect(judge('dateBefore', 'now+30d', '2000-01-01T00:00:00Z', null)).toBe(false);
    expect(judge('dateAfter', 'now-30d', '2100-01-01T00:00:00Z', 'yesterday')).toBe(false);
  });

  it('refuses a bound that is neither relative nor an ISO date at compile time', () => {
    for (const bound of ['tomorrow', 'now+30', 'now+30w', 'now + 30d', '01/02/2026', '2026-01-01T00:00:00']) {
      expect(compileMessage({ type: 'string', dateBefore: bound })).toContain(
        'keyword "dateBefore" value is invalid',
      );
    }
    expect(compileMessage({ type: 'string', dateAfter: 'yesterday' })).toContain(
      'keyword "dateAfter" value is invalid',
    );
  });
});

describe('a date condition in a whole rule', () => {
  // tls.certificate.notAfter must lie beyond now+30d; the clock is the evaluation's `now`.
  const RULE = `id: test.cert-expires-soon
title: Certificate expires within 30 days
requirements: ['PCI DSS v4.0.1 4.2.1']
severity: medium
subject: tls
where:
  type: object
  required: [tls]
  properties:
    tls:
      type: object
      required: [certificate]
      properties:
        certificate: { type: object, required: [notAfter], properties: { notAfter: { type: string } } }
expect:
  type: object
  properties:
    tls:
      type: object
      properties:
        certificate:
          type: object
          properties:
            notAfter: { type: string, not: { dateBefore: now+30d } }
message: '{{address}} {{portKey}} certificate expires {{tls.certificate.notAfter}}'
fixtures:
  fail: [{}]
  pass: [{}]
`;
  const policy = compilePolicy(parsePolicyPack('dates', [{ path: 'cert.yaml', text: RULE }]));

  const tls: TlsFacts = {
    versions: ['TLSv1.2'],
    ciphers: [],
    certificate: {
      subject: { commonName: 'pay.example.com' },
      issuer: { commonName: 'Example CA' },
      notAfter: '2026-06-30T00:00:00Z',
      selfSigned: false,
    },
    errors: [],
  };
  const host: HostObservation = {
    status: 'up',
    addresses: [{ addr: '10.0.0.7', type: 'ipv4' }],
    hostnames: [],
    ports: [{ protocol: 'tcp', port: 443, state: 'open', scripts: [], tls }],
    extraPorts: [],
    os: [],
    scripts: [],
  };
  const input = (now: string): EvaluationInput => ({
    snapshot: { scope: { id: 's', vantage: 'default', approvedPorts: [443] }, hosts: [host] },
    now: new Date(now),
  });

  it('passes a certificate expiring in more than 30 days at the time of evaluation', () => {
    expect(evaluate(policy, input('2026-04-01T00:00:00Z')).results).toEqual([]);
  });

  it('fails the same snapshot evaluated later, once the expiry is within 30 days', () => {
    const { results } = evaluate(policy, input('2026-06-10T00:00:00Z'));
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      ruleId: 'test.cert-expires-soon',
      asset: '10.0.0.7',
      subject: 'tcp/443',
      port: 443,
      protocol: 'tcp',
      message: '10.0.0.7 tcp/443 certificate expires 2026-06-30T00:00:00Z',
    });
    expect(results[0].evidence.facts).toEqual([
      { pointer: '/tls/certificate/notAfter', value: '2026-06-30T00:00:00Z', reason: 'must NOT be valid' },
    ]);
  });

  it('flips exactly at thirty days before expiry', () => {
    expect(evaluate(policy, input('2026-05-31T00:00:00Z')).results).toEqual([]);
    expect(evaluate(policy, input('2026-05-31T00:00:01Z')).results).toHaveLength(1);
  });
});

describe('memberOf', () => {
  const onList = { type: 'object', properties: { key: { type: 'string', memberOf: { $data: '/list' } } } };

  it('holds for a listed string and fails for another, naming the keyword', () => {
    const validate = newAjv().compile({ type: 'string', memberOf: ['tcp/22', 'tcp/443'] });
    expect(validate('tcp/443')).toBe(true);
    expect(validate('tcp/23')).toBe(false);
    expect(validate.errors).toEqual([
      expect.objectContaining({ keyword: 'memberOf', message: 'must be one of the listed values' }),
    ]);
  });

  it('reads a $data list from the instance, frozen (cached) or not, each time afresh', () => {
    const validate = newAjv().compile(onList);
    const frozen = Object.freeze(['tcp/22']);
    expect(validate({ key: 'tcp/22', list: frozen })).toBe(true);
    expect(validate({ key: 'tcp/23', list: frozen })).toBe(false);
    const mutable = ['tcp/22'];
    expect(validate({ key: 'tcp/23', list: mutable })).toBe(false);
    mutable.push('tcp/23');
    expect(validate({ key: 'tcp/23', list: mutable })).toBe(true);
  });

  it('approves nothing when the $data list is missing or not a list', () => {
    const validate = newAjv().compile(onList);
    expect(validate({ key: 'tcp/22' })).toBe(false);
    expect(validate({ key: 'tcp/22', list: 'tcp/22' })).toBe(false);
    expect(validate({ key: 'tcp/22', list: { 0: 'tcp/22' } })).toBe(false);
  });

  it('refuses a static list that is not a list of strings when the schema is compiled', () => {
    expect(compileMessage({ type: 'string', memberOf: ['a', 22] })).toMatch(/memberOf\/1 must be a string/);
    expect(compileMessage({ type: 'string', memberOf: 'a' })).toMatch(/memberOf/);
  });
});
