import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { listRuleFiles, loadPolicyPack, PolicyError, readRuleFiles } from '@driftwatch/policy-engine';

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

  it('reads rule files through symlinks and in subfolders, with "/" paths as the API takes them', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'policy-target-'));
    try {
      writeFileSync(join(elsewhere, 'linked.yaml'), rule('linked'));
      writeFileSync(join(dir, 'a.yaml'), rule('a'));
      symlinkSync(join(elsewhere, 'linked.yaml'), join(dir, 'b.yaml'));
      mkdirSync(join(dir, 'network', 'snmp'), { recursive: true });
      writeFileSync(join(dir, 'network', 'snmp', 'c.yml'), rule('c'));
      symlinkSync(elsewhere, join(dir, 'shared'));
      expect(readRuleFiles(dir).map((f) => f.path)).toEqual([
        'a.yaml',
        'b.yaml',
        'network/snmp/c.yml',
        'shared/linked.yaml',
      ]);
      expect(loadPolicyPack(join(dir, 'network')).rules.map((r) => r.id)).toEqual(['c']);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('reads a Kubernetes ConfigMap mount (links into a hidden ..data folder) with each rule once', () => {
    // The layout the kubelet writes: files in a timestamped folder, `..data` linking to it and
    // each key linking through `..data`.
    mkdirSync(join(dir, '..2024_05_01_12_00_00.123456789'));
    writeFileSync(join(dir, '..2024_05_01_12_00_00.123456789', 'a.yaml'), rule('a'));
    writeFileSync(join(dir, '..2024_05_01_12_00_00.123456789', 'b.json'), rule('b'));
    symlinkSync('..2024_05_01_12_00_00.123456789', join(dir, '..data'));
    symlinkSync(join('..data', 'a.yaml'), join(dir, 'a.yaml'));
    symlinkSync(join('..data', 'b.json'), join(dir, 'b.json'));
    expect(loadPolicyPack(dir).rules.map((r) => [r.id, r.source])).toEqual([
      ['a', join(dir, 'a.yaml')],
      ['b', join(dir, 'b.json')],
    ]);
  });

  it('refuses a dangling symlink, naming it, instead of leaving its rule out', () => {
    writeFileSync(join(dir, 'a.yaml'), rule('a'));
    symlinkSync(join(dir, 'gone.yaml'), join(dir, 'b.yaml'));
    expect(() => listRuleFiles(dir)).toThrow(PolicyError);
    expect(() => listRuleFiles(dir)).toThrow(
      new RegExp(`${join(dir, 'b.yaml')}.*a symlink whose target cannot be read`),
    );
  });

  it('refuses a symlink to a folder above it instead of listing forever', () => {
    writeFileSync(join(dir, 'a.yaml'), rule('a'));
    mkdirSync(join(dir, 'sub'));
    symlinkSync(dir, join(dir, 'sub', 'loop'));
    expect(() => listRuleFiles(dir)).toThrow(
      new RegExp(`${join(dir, 'sub', 'loop')}.*links back to a folder that holds it`),
    );
  });

  it('refuses a file name the API would refuse', () => {
    writeFileSync(join(dir, 'rule one.yaml'), rule('a'));
    expect(() => loadPolicyPack(dir)).toThrow(
      new RegExp(`${join(dir, 'rule one.yaml')}.*the path "rule one.yaml" must be a relative file name`),
    );
  });

  it('refuses bytes that are not UTF-8, naming the line and column, instead of reading U+FFFD', () => {
    writeFileSync(
      join(dir, 'a.yaml'),
      Buffer.concat([Buffer.from(`${rule('a')}\n# caf`), Buffer.from([0xe9]), Buffer.from('\n')]),
    );
    expect(() => loadPolicyPack(dir)).toThrow(
      new RegExp(`${join(dir, 'a.yaml')}:2:6 at /: the file is not UTF-8 text`),
    );
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
