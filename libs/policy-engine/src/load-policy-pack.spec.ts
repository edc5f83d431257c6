import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { loadPolicyPack, PolicyError } from '@driftwatch/policy-engine';

const RULE = {
  title: 'Port 1 open',
  requirements: ['PCI DSS v4.0.1 1.2.5'],
  severity: 'info',
  subject: 'service',
  where: { type: 'object', properties: { port: { type: 'object', properties: { port: { const: 1 } } } } },
  expect: false,
  message: '{{address}} {{port.port}}',
  fixtures: {
    fail: [{ port: { protocol: 'tcp', port: 1 } }],
    pass: [{ port: { protocol: 'tcp', port: 2 } }],
  },
};

// JSON is YAML, so the same text serves for .yaml, .yml and .json files.
function rule(id: string): string {
  return JSON.stringify({ id, ...RULE });
}

describe('loadPolicyPack', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'policy-pack-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads .yaml, .yml and .json files sorted by name and ignores anything else', () => {
    writeFileSync(join(dir, 'c.json'), rule('c'));
    writeFileSync(join(dir, 'b.yml'), rule('b'));
    writeFileSync(join(dir, 'a.yaml'), rule('a'));
    writeFileSync(join(dir, 'README.md'), '# not a rule');
    mkdirSync(join(dir, 'nested.yaml'));
    const pack = loadPolicyPack(dir);
    expect(pack.name).toBe(basename(dir));
    expect(pack.rules.map((r) => [r.id, r.source])).toEqual([
      ['a', join(dir, 'a.yaml')],
      ['b', join(dir, 'b.yml')],
      ['c', join(dir, 'c.json')],
    ]);
  });

  it('names the file that fails to parse', () => {
    writeFileSync(join(dir, 'a.yaml'), rule('a'));
    writeFileSync(join(dir, 'b.json'), '{ "id": ');
    expect(() => loadPolicyPack(dir)).toThrow(new RegExp(`${join(dir, 'b.json')}:1:\\d+ at /: syntax error`));
  });

  it('refuses a rule file larger than the API accepts before parsing it', () => {
    writeFileSync(join(dir, 'a.yaml'), rule('a'));
    writeFileSync(join(dir, 'big.yaml'), `${rule('big')}\n${'# padding\n'.repeat(30_000)}`);
    expect(() => loadPolicyPack(dir)).toThrow(PolicyError);
    expect(() => loadPolicyPack(dir)).toThrow(
      new RegExp(`${join(dir, 'big.yaml')}.*more than the 262144 a rule file may have`),
    );
  });

  it('refuses a folder without rule files, which would read as "compliant"', () => {
    expect(() => loadPolicyPack(dir)).toThrow(PolicyError);
    expect(() => loadPolicyPack(dir)).toThrow(/holds no \.yaml, \.yml or \.json rule files/);
  });

  it('reports a missing folder as a PolicyError naming it', () => {
    expect(() => loadPolicyPack(join(dir, 'absent'))).toThrow(
      new RegExp(`${join(dir, 'absent')}.*cannot read the policy folder`),
    );
  });
});
