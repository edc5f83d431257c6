import { DriftwatchError, ErrorCode } from '@driftwatch/core';

import { loadConfig } from './load-config';

const base = { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/d', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('loadConfig', () => {
  it('reads the CORS origins and rate limits, refusing an origin that is not scheme://host[:port]', () => {
    const config = loadConfig({
      ...base,
      API_CORS_ORIGINS: 'https://console.example,http://127.0.0.1:8080',
      API_RATE_LIMIT_PER_MINUTE: '0',
      API_RATE_LIMIT_ANONYMOUS_PER_MINUTE: '10',
    });
    expect(config.http.corsOrigins).toEqual(['https://console.example', 'http://127.0.0.1:8080']);
    expect(config.http.rateLimit).toEqual({ perMinute: 0, anonymousPerMinute: 10 });
    for (const origin of [
      '*',
      'https://a.example/path',
      'console.example',
      'https://a.example, https://b.example',
    ]) {
      expect(() => loadConfig({ ...base, API_CORS_ORIGINS: origin })).toThrow(/API_CORS_ORIGINS/);
    }
    expect(() => loadConfig({ ...base, API_RATE_LIMIT_PER_MINUTE: '-1' })).toThrow(
      /API_RATE_LIMIT_PER_MINUTE/,
    );
  });

  it('builds the typed config with defaults', () => {
    const config = loadConfig(base, '/srv/dw');
    expect(config.http).toEqual({
      host: '127.0.0.1',
      port: 3000,
      corsOrigins: [],
      rateLimit: { perMinute: 600, anonymousPerMinute: 60 },
      exports: { concurrency: 3, stallMs: 60_000 },
    });
    expect(config.scan.allowedNetworks).toEqual(['127.0.0.0/8', '::1/128']);
    expect(config.policy.dir).toBe('/srv/dw/policies/pci-dss-v4');
    expect(config.nmap.technique).toMatch(/^(syn|connect)$/);
  });

  it('leaves exports at least one database connection less than the pool', () => {
    const small = loadConfig({ ...base, DATABASE_POOL_SIZE: '3', API_EXPORT_CONCURRENCY: '5' }, '/srv/dw');
    expect(small.http.exports.concurrency).toBe(2);
    const one = loadConfig({ ...base, DATABASE_POOL_SIZE: '1' }, '/srv/dw');
    expect(one.http.exports.concurrency).toBe(1);
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

  it('webhooks default to public addresses only, loopback-only plain http, 8 attempts from a 10 s backoff and a 10 s timeout', () => {
    expect(loadConfig(base).webhooks).toEqual({
      allowHttpHosts: ['localhost', '127.0.0.0/8', '::1/128'],
      allowedNetworks: [],
      timeoutMs: 10_000,
      attempts: 8,
      backoffMs: 10_000,
      sweepIntervalMs: 60_000,
      deliveryRetentionDays: 0,
    });
    const custom = loadConfig({ ...base, WEBHOOK_ALLOW_HTTP_HOSTS: 'Hooks.Internal, 10.0.0.0/8' });
    expect(custom.webhooks.allowHttpHosts).toEqual(['hooks.internal', '10.0.0.0/8']);
    expect(() => loadConfig({ ...base, WEBHOOK_ALLOW_HTTP_HOSTS: 'http://x y' })).toThrow(
      /WEBHOOK_ALLOW_HTTP_HOSTS/,
    );
    expect(() => loadConfig({ ...base, WEBHOOK_ATTEMPTS: '0' })).toThrow(/WEBHOOK_ATTEMPTS/);
    expect(
      loadConfig({ ...base, WEBHOOK_DELIVERY_RETENTION_DAYS: '90' }).webhooks.deliveryRetentionDays,
    ).toBe(90);
    expect(() => loadConfig({ ...base, WEBHOOK_DELIVERY_RETENTION_DAYS: '-1' })).toThrow(
      /WEBHOOK_DELIVERY_RETENTION_DAYS/,
    );
    const internal = loadConfig({ ...base, WEBHOOK_ALLOWED_NETWORKS: '10.20.0.0/16, fd00::/8' });
    expect(internal.webhooks.allowedNetworks).toEqual(['10.20.0.0/16', 'fd00::/8']);
    expect(() => loadConfig({ ...base, WEBHOOK_ALLOWED_NETWORKS: '10.20.0.0/33' })).toThrow(
      /WEBHOOK_ALLOWED_NETWORKS entry "10.20.0.0\/33"/,
    );
  });
});
