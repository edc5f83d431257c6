import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import sax from 'sax';
import type { HostObservation, PortObservation, ScriptResult, TlsFacts } from '@driftwatch/core';
import { conditionEvidence, nmapFragment, portXml, subjectSummary } from './evidence';
import { addCustomKeywords } from './keywords/custom-keywords';
import type { Subject } from './policy.model';

const NOW = '2026-04-01T00:00:00.000Z';

function script(id: string, output: string): ScriptResult {
  return { id, output, elems: [], tables: [] };
}

const TLS: TlsFacts = {
  versions: ['TLSv1.0', 'TLSv1.2'],
  ciphers: [{ protocol: 'TLSv1.0', name: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', grade: 'C' }],
  leastGrade: 'C',
  certificate: {
    subject: { commonName: 'pay.example.com', 'x/y~z': 'odd key' },
    issuer: { commonName: 'Example CA' },
    notAfter: '2026-05-01T00:00:00Z',
    selfSigned: false,
  },
  errors: [],
};

function httpsPort(scripts: ScriptResult[] = []): PortObservation {
  return {
    protocol: 'tcp',
    port: 443,
    state: 'open',
    reason: 'syn-ack',
    service: { name: 'https', product: 'nginx', version: '1.24.0', tunnel: 'ssl', cpe: [] },
    scripts,
    tls: TLS,
  };
}

function hostWith(ports: PortObservation[]): HostObservation {
  return {
    status: 'up',
    statusReason: 'syn-ack',
    addresses: [
      { addr: '10.0.0.7', type: 'ipv4' },
      { addr: '00:11:22:33:44:55', type: 'mac', vendor: 'Acme & "Sons" <ltd>' },
    ],
    hostnames: [{ name: 'pay.example.com', type: 'PTR' }],
    ports,
    extraPorts: [],
    os: [{ name: 'Linux 5.x', accuracy: 95 }],
    scripts: [],
  };
}

function portSubject(kind: Subject['kind'], port: PortObservation): Subject {
  return {
    kind,
    address: '10.0.0.7',
    host: hostWith([port]),
    port,
    portKey: `${port.protocol}/${port.port}`,
    ...(port.tls ? { tls: port.tls } : {}),
    scope: { id: 's', vantage: 'default', approvedPorts: [443] },
    zone: { name: 'cde', classification: 'cde' },
    approvedPorts: ['tcp/443'],
    now: NOW,
  };
}

/** ajv's errors for a subject failing `expect`, as the condition compiler would report them. */
function errorsOf(schema: object, subject: Subject): ErrorObject[] {
  const ajv = new Ajv({ strict: true, $data: true, allErrors: true });
  addFormats(ajv);
  addCustomKeywords(ajv);
  const validate = ajv.compile(schema);
  expect(validate(subject)).toBe(false);
  return validate.errors ?? [];
}

interface Element {
  name: string;
  attributes: Record<string, string>;
}

/** Parses XML strictly (throws if it is not well-formed) and lists its elements in order. */
function parseXml(xml: string): Element[] {
  const elements: Element[] = [];
  const parser = sax.parser(true);
  parser.onopentag = (tag) => {
    elements.push({ name: tag.name, attributes: tag.attributes as Record<string, string> });
  };
  parser.onerror = (error) => {
    throw error;
  };
  parser.write(xml).close();
  return elements;
}

const expectNoWeakTls = {
  type: 'object',
  properties: {
    tls: {
      type: 'object',
      properties: {
        versions: { type: 'array', not: { contains: { enum: ['SSLv3', 'TLSv1.0', 'TLSv1.1'] } } },
      },
    },
  },
};

describe('conditionEvidence', () => {
  it('names the failing nested fact by its JSON pointer, with the value found there', () => {
    const subject = portSubject('tls', httpsPort());
    const evidence = conditionEvidence(subject, errorsOf(expectNoWeakTls, subject));
    expect(evidence.facts).toEqual([
      { pointer: '/tls/versions', value: ['TLSv1.0', 'TLSv1.2'], reason: 'must NOT be valid' },
    ]);
  });

  it('reports each failing pointer once, however many keywords failed there', () => {
    const subject = portSubject('tls', httpsPort());
    const schema = {
      type: 'object',
      properties: {
        tls: {
          type: 'object',
          properties: { versions: { type: 'array', minItems: 3, maxItems: 1 }, leastGrade: { enum: ['A'] } },
        },
      },
    };
    const errors = errorsOf(schema, subject);
    expect(errors.map((e) => e.instancePath)).toEqual(['/tls/versions', '/tls/versions', '/tls/leastGrade']);
    expect(conditionEvidence(subject, errors).facts).toEqual([
      // The first error ajv reported at the pointer gives the reason.
      { pointer: '/tls/versions', value: ['TLSv1.0', 'TLSv1.2'], reason: errors[0].message },
      { pointer: '/tls/leastGrade', value: 'C', reason: 'must be equal to one of the allowed values' },
    ]);
  });

  it('reads a pointer through keys holding "/" and "~"', () => {
    const subject = portSubject('tls', httpsPort());
    const schema = {
      type: 'object',
      properties: {
        tls: {
          type: 'object',
          properties: {
            certificate: {
              type: 'object',
              properties: {
                subject: { type: 'object', additionalProperties: { type: 'string', pattern: '^[a-z.]+$' } },
              },
            },
          },
        },
      },
    };
    expect(conditionEvidence(subject, errorsOf(schema, subject)).facts).toEqual([
      {
        pointer: '/tls/certificate/subject/x~1y~0z',
        value: 'odd key',
        reason: 'must match pattern "^[a-z.]+$"',
      },
    ]);
  });

  it('gives no fact for the subject as a whole (expect: false) and no value for the whole host', () => {
    const subject = portSubject('service', httpsPort());
    const whole = conditionEvidence(subject, [
      { instancePath: '', schemaPath: '#/false schema', keyword: 'false schema', params: {} },
    ]);
    expect(whole.facts).toEqual([]);
    const host = conditionEvidence(subject, [
      { instancePath: '/host', schemaPath: '#/x', keyword: 'not', params: {}, message: 'must NOT be valid' },
    ]);
    expect(host.facts).toEqual([{ pointer: '/host', value: undefined, reason: 'must NOT be valid' }]);
  });

  it('summarises the subject: address, port, state, service and zone', () => {
    const subject = portSubject('tls', httpsPort());
    const evidence = conditionEvidence(subject, null);
    expect(evidence).toMatchObject({
      address: '10.0.0.7',
      protocol: 'tcp',
      port: 443,
      state: 'open',
      reason: 'syn-ack',
      service: { name: 'https', product: 'nginx', version: '1.24.0', tunnel: 'ssl' },
      zone: 'cde',
      facts: [],
    });
    expect(evidence).not.toHaveProperty('change');
    expect(evidence).not.toHaveProperty('document');
  });

  it('clips a long fact value to 2000 characters of its JSON, marked with an ellipsis', () => {
    const long = 'A'.repeat(5000);
    const port = { ...httpsPort(), tls: { ...TLS, errors: [long] } };
    const subject = portSubject('tls', port);
    const schema = {
      type: 'object',
      properties: { tls: { type: 'object', properties: { errors: { type: 'array', maxItems: 0 } } } },
    };
    const [fact] = conditionEvidence(subject, errorsOf(schema, subject)).facts as { value: unknown }[];
    expect(typeof fact.value).toBe('string');
    const value = fact.value as string;
    expect(value).toHaveLength(2001);
    expect(value.endsWith('…')).toBe(true);
    expect(value.startsWith(JSON.stringify([long]).slice(0, 100))).toBe(true);
  });

  it('keeps a value whose JSON is exactly 2000 characters as it is', () => {
    const exact = 'B'.repeat(2000 - 4); // ["…"] adds four characters
    const subject = portSubject('tls', { ...httpsPort(), tls: { ...TLS, errors: [exact] } });
    const facts = conditionEvidence(subject, [
      { instancePath: '/tls/errors', schemaPath: '#', keyword: 'maxItems', params: {}, message: 'too many' },
    ]).facts;
    expect(facts).toEqual([{ pointer: '/tls/errors', value: [exact], reason: 'too many' }]);
  });
});

describe('the nmap fragment', () => {
  const tricky = 'line one <b>\n"quoted" & more\r\n\ttabbed';
  const scripts = [
    script('ssl-enum-ciphers', tricky),
    script('ssl-cert', 'Subject: commonName=pay.example.com'),
    script('http-title', 'Pay & <Go>'),
    script('ssh2-enum-algos', 'kex_algorithms: (1)'),
  ];

  it('is well-formed XML whose attributes read back as the original text', () => {
    const xml = nmapFragment(portSubject('tls', httpsPort(scripts))) ?? '';
    const elements = parseXml(xml);
    expect(elements.map((e) => e.name)).toEqual(['port', 'state', 'service', 'script', 'script']);
    expect(elements[0].attributes).toEqual({ protocol: 'tcp', portid: '443' });
    expect(elements[3].attributes).toEqual({ id: 'ssl-enum-ciphers', output: tricky });
  });

  it('escapes <, >, &, quotes and line breaks as character references', () => {
    const xml = portXml(httpsPort([script('ssl-enum-ciphers', tricky)]));
    expect(xml).toContain(
      'output="line one &#60;b&#62;&#10;&#34;quoted&#34; &#38; more&#13;&#10;&#9;tabbed"',
    );
    expect(xml).not.toContain('\n');
  });

  it('shows only the scripts a TLS subject is read from', () => {
    const xml = nmapFragment(portSubject('tls', httpsPort(scripts))) ?? '';
    const ids = parseXml(xml)
      .filter((e) => e.name === 'script')
      .map((e) => e.attributes.id);
    expect(ids).toEqual(['ssl-enum-ciphers', 'ssl-cert']);
  });

  it('shows only the SSH scripts for an SSH subject and every script for a service subject', () => {
    const idsFor = (kind: Subject['kind']) =>
      parseXml(nmapFragment(portSubject(kind, httpsPort(scripts))) ?? '')
        .filter((e) => e.name === 'script')
        .map((e) => e.attributes.id);
    expect(idsFor('ssh')).toEqual(['ssh2-enum-algos']);
    expect(idsFor('service')).toEqual(['ssl-enum-ciphers', 'ssl-cert', 'http-title', 'ssh2-enum-algos']);
  });

  it('writes the service with nmap attribute names and leaves out what nmap did not report', () => {
    const port: PortObservation = {
      protocol: 'udp',
      port: 161,
      state: 'open',
      service: { name: 'snmp', extraInfo: 'public', method: 'probed', confidence: 10, cpe: [] },
      scripts: [],
    };
    expect(portXml(port)).toBe(
      '<port protocol="udp" portid="161"><state state="open"/><service name="snmp" extrainfo="public" method="probed" conf="10"/></port>',
    );
  });

  it('rebuilds the host element for a host subject, escaping its attributes', () => {
    const host = hostWith([]);
    const subject: Subject = {
      kind: 'host',
      address: '10.0.0.7',
      host,
      scope: { id: 's', vantage: 'default', approvedPorts: [] },
      approvedPorts: [],
      now: NOW,
    };
    const xml = nmapFragment(subject) ?? '';
    const elements = parseXml(xml);
    expect(elements.map((e) => e.name)).toEqual([
      'host',
      'status',
      'address',
      'address',
      'hostnames',
      'hostname',
      'os',
      'osmatch',
    ]);
    expect(elements[3].attributes).toEqual({
      addr: '00:11:22:33:44:55',
      addrtype: 'mac',
      vendor: 'Acme & "Sons" <ltd>',
    });
    expect(elements[7].attributes).toEqual({ name: 'Linux 5.x', accuracy: '95' });
  });

  it('has no fragment for a subject that is neither a port nor a host', () => {
    const subject: Subject = {
      kind: 'change',
      address: '10.0.0.7',
      change: {
        type: 'host-status-changed',
        address: '10.0.0.7',
        before: { status: 'down' },
        after: { status: 'up' },
      },
      scope: { id: 's', vantage: 'default', approvedPorts: [] },
      approvedPorts: [],
      now: NOW,
    };
    expect(nmapFragment(subject)).toBeUndefined();
    const evidence = conditionEvidence(subject, []);
    expect(evidence).not.toHaveProperty('nmap');
    expect(evidence).toEqual({ address: '10.0.0.7', change: subject.change, facts: [] });
  });

  it('clips a long fragment to 8000 characters, marked with an ellipsis', () => {
    const port = httpsPort([script('ssl-cert', 'x'.repeat(20_000))]);
    const fragment = nmapFragment(portSubject('tls', port)) ?? '';
    expect(fragment).toHaveLength(8001);
    expect(fragment.endsWith('…')).toBe(true);
    expect(fragment.startsWith('<port protocol="tcp" portid="443">')).toBe(true);
  });

  it('puts the fragment in the evidence beside the summary', () => {
    const subject = portSubject('tls', httpsPort(scripts));
    expect(conditionEvidence(subject, []).nmap).toBe(nmapFragment(subject));
    expect(subjectSummary(subject)).not.toHaveProperty('nmap');
  });
});
