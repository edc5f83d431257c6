import { gateSarif, SARIF_FINGERPRINT_KEY, sarifAssetUri, type SarifResult } from '@driftwatch/export';
import {
  failingGate,
  gate,
  gateFinding,
  GATE_RULES,
  hostileGate,
  manyFindingsGate,
  newModeGate,
  noSnapshotGate,
  passingGate,
} from '@driftwatch/export/ci/testing/gate-results';

const resultOn = (results: SarifResult[], asset: string, subject: string): SarifResult => {
  const found = results.find((r) => r.properties.asset === asset && r.properties.subject === subject);
  if (!found) throw new Error(`no result on ${asset} ${subject}`);
  return found;
};

describe('gateSarif', () => {
  it('lists every rule of the policy, sorted, with requirements, help and GitHub security-severity', () => {
    const log = gateSarif(passingGate(), {
      toolVersion: '0.1.0',
      informationUri: 'https://driftwatch.example/docs',
    });
    const { driver } = log.runs[0].tool;
    expect(log.version).toBe('2.1.0');
    expect(driver).toMatchObject({
      name: 'Driftwatch',
      version: '0.1.0',
      informationUri: 'https://driftwatch.example/docs',
    });
    expect(driver.rules.map((r) => r.id)).toEqual(GATE_RULES.map((r) => r.id).sort());
    const cleartext = driver.rules.find((r) => r.id === 'pci.2.2.7.cleartext-admin');
    expect(cleartext).toMatchObject({
      name: 'InsecureCleartextService',
      shortDescription: { text: 'Insecure cleartext service' },
      fullDescription: { text: 'Administrative access must be encrypted.' },
      defaultConfiguration: { level: 'error' },
      properties: {
        tags: ['PCI DSS v4.0.1 2.2.7', 'PCI DSS v4.0.1 8.3.2', 'pci-dss', 'security'],
        'security-severity': '8.0',
        precision: 'high',
      },
    });
    expect(cleartext?.help.text).toContain('Replace telnet with SSH.');
    expect(cleartext?.help.text).toContain('PCI DSS v4.0.1 8.3.2');
    const levels = Object.fromEntries(
      driver.rules.map((r) => [r.id, [r.defaultConfiguration.level, r.properties['security-severity']]]),
    );
    expect(levels).toEqual({
      'pci.1.2.5.open-port-not-approved': ['warning', '5.5'],
      'pci.11.3.1.banner': ['note', '3.0'],
      'pci.2.2.7.cleartext-admin': ['error', '8.0'],
      'pci.4.2.1.weak-tls': ['error', '9.5'],
    });
    expect(log.runs[0].results).toEqual([]);
    expect(log.runs[0].properties).toEqual({ verdict: 'pass', reasons: [] });
  });

  it('reports every considered finding, blocking or not, naming its asset, with a valid rule index', () => {
    const log = gateSarif(failingGate());
    const run = log.runs[0];
    // 5 considered findings; the waived one is not a result.
    expect(run.results).toHaveLength(5);
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
    const telnet = resultOn(run.results, '10.0.0.5', '23/tcp');
    expect(telnet).toMatchObject({
      ruleId: 'pci.2.2.7.cleartext-admin',
      kind: 'fail',
      level: 'error',
      message: { text: 'Insecure cleartext service on 10.0.0.5 23/tcp' },
      partialFingerprints: { [SARIF_FINGERPRINT_KEY]: 'fp:pci.2.2.7.cleartext-admin:10.0.0.5:23/tcp' },
      baselineState: 'new',
      properties: {
        blocking: true,
        newSinceBaseline: true,
        requirements: ['PCI DSS v4.0.1 2.2.7', 'PCI DSS v4.0.1 8.3.2'],
        evidenceUrl: '/v1/findings/f-pci.2.2.7.cleartext-admin-10.0.0.5-23/tcp',
        port: 23,
        protocol: 'tcp',
      },
    });
    expect(telnet.locations).toEqual([
      {
        physicalLocation: {
          artifactLocation: { uri: 'driftwatch/0b7c3f7e-1d2a-4e5f-8a9b-1c2d3e4f5a6b/10.0.0.5/23%2Ftcp' },
          region: { startLine: 1 },
        },
        logicalLocations: [{ name: '10.0.0.5', fullyQualifiedName: '10.0.0.5/23/tcp', kind: 'resource' }],
      },
    ]);
    expect(resultOn(run.results, '10.0.0.5', '8080/tcp')).toMatchObject({
      level: 'warning',
      properties: { blocking: false },
    });
    expect(run.invocations[0]).toMatchObject({
      executionSuccessful: true,
      endTimeUtc: '2026-03-31T12:00:00.000Z',
      properties: { verdict: 'fail', reasons: ['4 findings at or above high'], excepted: 1, blocking: 4 },
    });
  });

  it('marks a finding known at the baseline as unchanged and not blocking in mode new', () => {
    const results = gateSarif(newModeGate()).runs[0].results;
    expect(resultOn(results, '10.0.0.5', '23/tcp')).toMatchObject({
      baselineState: 'unchanged',
      properties: { blocking: false, newSinceBaseline: false },
    });
    expect(resultOn(results, '10.0.0.7', '23/tcp')).toMatchObject({
      baselineState: 'new',
      properties: { blocking: true },
    });
  });

  it('leaves baselineState out when there is no baseline', () => {
    const result = gate([gateFinding('pci.4.2.1.weak-tls', 'h', '443/tcp', { newSinceBaseline: null })], {
      baseline: null,
    });
    expect(gateSarif(result).runs[0].results[0]).not.toHaveProperty('baselineState');
  });

  it('carries a failing verdict with no finding (no snapshot) in the run', () => {
    const run = gateSarif(noSnapshotGate()).runs[0];
    expect(run.results).toEqual([]);
    expect(run.properties).toEqual({
      verdict: 'fail',
      reasons: ['the scope has no snapshot: its state is unknown'],
    });
    expect(run.invocations[0].properties.snapshot).toBeNull();
  });

  it('describes a rule the policy list lacks from its finding, so every result has its rule', () => {
    const run = gateSarif(hostileGate()).runs[0];
    const custom = run.results.find((r) => r.ruleId === 'custom.rule with spaces/and|pipes');
    expect(custom).toBeDefined();
    expect(run.tool.driver.rules[custom?.ruleIndex ?? -1]).toMatchObject({
      id: 'custom.rule with spaces/and|pipes',
      defaultConfiguration: { level: 'error' },
      properties: { 'security-severity': '9.5' },
    });
    // An empty message and title fall back to the rule id: SARIF readers need some text.
    expect(custom?.message.text).toBe('custom.rule with spaces/and|pipes');
  });

  it('writes a scheme-less URI with every segment percent-encoded, whatever the asset and subject', () => {
    expect(sarifAssetUri('s 1', 'fe80::1%eth0', 'a/b c?d#e')).toBe(
      'driftwatch/s%201/fe80%3A%3A1%25eth0/a%2Fb%20c%3Fd%23e',
    );
    expect(sarifAssetUri('s', '..', '.')).toBe('driftwatch/s/%2E%2E/%2E');
    for (const r of gateSarif(hostileGate()).runs[0].results) {
      const uri = r.locations[0].physicalLocation.artifactLocation.uri;
      expect(uri).toMatch(
        /^driftwatch\/[A-Za-z0-9\-_.!~*'()%]*\/[A-Za-z0-9\-_.!~*'()%]*\/[A-Za-z0-9\-_.!~*'()%]*$/,
      );
      expect(uri).not.toContain('://');
    }
  });

  it('is deterministic: the same judgement in any order gives the same bytes', () => {
    const a = gateSarif(manyFindingsGate(60));
    const shuffled = manyFindingsGate(60);
    shuffled.findings.reverse();
    shuffled.blocking.reverse();
    shuffled.rules.reverse();
    expect(JSON.stringify(gateSarif(shuffled))).toBe(JSON.stringify(a));
  });
});
