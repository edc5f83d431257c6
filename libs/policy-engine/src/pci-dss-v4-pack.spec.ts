import { resolve } from 'node:path';
import { compilePolicy, DEFAULT_POLICY_DIR_NAME, loadPolicyPack } from '@driftwatch/policy-engine';

// The shipped pack, found from the repository root like any deployment would pass it in.
const PACK_DIR = resolve(__dirname, '..', '..', '..', 'policies', DEFAULT_POLICY_DIR_NAME);

describe('the shipped PCI DSS v4.0.1 pack', () => {
  const pack = loadPolicyPack(PACK_DIR);

  it('loads every rule file, named after its folder', () => {
    expect(pack.name).toBe(DEFAULT_POLICY_DIR_NAME);
    expect(pack.rules.map((r) => r.id)).toEqual([
      'pci-dss-v4.1.2.5-open-port-not-approved',
      'pci-dss-v4.1.2.6-insecure-cleartext-service',
      'pci-dss-v4.1.2.6-snmp-exposed',
      'pci-dss-v4.4.2.1-tls-below-1.2',
      'pci-dss-v4.4.2.1-web-service-without-tls',
      'pci-dss-v4.8.4.2-ssh-password-authentication',
    ]);
  });

  it('compiles, which proves every pass and fail fixture behaves', () => {
    const policy = compilePolicy(pack);
    expect(policy.ruleCount).toBe(pack.rules.length);
    expect(policy.version).toMatch(/^[0-9a-f]{64}$/);
  });

  it('cites PCI DSS v4.0.1 requirement ids in every rule', () => {
    for (const rule of pack.rules) {
      expect(rule.requirements.length).toBeGreaterThan(0);
      for (const requirement of rule.requirements)
        expect(requirement).toMatch(/^PCI DSS v4\.0\.1 \d+(\.\d+)+$/);
    }
  });
});
