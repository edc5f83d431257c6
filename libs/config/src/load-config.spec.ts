import { DriftwatchError, ErrorCode } from '@driftwatch/core';

import { loadConfig } from './load-config';

const base = { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/d', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('loadConfig', () => {
  it('builds the typed config with defaults', () => {
    const config = loadConfig(base, '/srv/dw');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(config.scan.allowedNetworks).toEqual(['127.0.0.0/8', '::1/128']);
    expect(config.policy.dir).toBe('/srv/dw/policies/pci-dss-v4');
    expect(config.nmap.technique).toMatch(/^(syn|connect)$/);
  });

  it('reports every invalid variable at once, by name', () => {
    let error: unknown;
    try {
      loadConfig({ DATABASE_URL: 'mysql://x', PORT: 'eighty', NMAP_SCAN_TECHNIQUE: 'udp' });
    } catch (e: unknown) {
      error = e;
    }
    expect(error).toBeInstanceOf(DriftwatchError);
    const fields = (error as DriftwatchError).details.fields?.map((f) => f.field);
    expect((error as DriftwatchError).code).toBe(ErrorCode.ConfigInvalid);
    expect(fields).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'PORT', 'NMAP_SCAN_TECHNIQUE', 'REDIS_URL']),
    );
  });

  it('refuses an allowlist entry that is not a network', () => {
    expect(() => loadConfig({ ...base, SCAN_ALLOWED_NETWORKS: '127.0.0.0/8,example.com' })).toThrow(
      /SCAN_ALLOWED_NETWORKS/,
    );
  });
});
