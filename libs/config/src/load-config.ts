import { resolve } from 'node:path';

import Ajv from 'ajv';

import { DriftwatchError, ErrorCode, parseNetwork } from '@driftwatch/core';

import type { AppConfig } from './app-config';

type Env = Readonly<Record<string, string | undefined>>;

interface RawConfig {
  HOST: string;
  PORT: number;
  API_CORS_ORIGINS: string;
  API_RATE_LIMIT_PER_MINUTE: number;
  API_RATE_LIMIT_ANONYMOUS_PER_MINUTE: number;
  API_EXPORT_CONCURRENCY: number;
  API_EXPORT_STALL_SECONDS: number;
  DATABASE_URL: string;
  DATABASE_POOL_SIZE: number;
  DATABASE_CONNECT_TIMEOUT_MS: number;
  REDIS_URL: string;
  REDIS_PREFIX: string;
  NMAP_PATH: string;
  NMAP_SCAN_TECHNIQUE: 'auto' | 'syn' | 'connect';
  NMAP_REVERSE_DNS: boolean;
  NMAP_HOST_TIMEOUT_SECONDS: number;
  SCAN_TIMEOUT_MS: number;
  SCAN_ALLOWED_NETWORKS: string;
  SCAN_ATTEMPTS: number;
  SCAN_BACKOFF_MS: number;
  WORKER_CONCURRENCY: number;
  WORKER_VANTAGES: string;
  SCAN_SHARD_PREFIX_V4: number;
  SCAN_SHARD_PREFIX_V6: number;
  NMAP_STATS_EVERY_SECONDS: number;
  POLICY_DIR: string;
  DRIFTWATCH_RUN_DIR: string;
  LOG_LEVEL: AppConfig['logLevel'];
  SCHEDULER_SYNC_INTERVAL_MS: number;
  WAIVER_SWEEP_INTERVAL_MS: number;
  SCAN_SWEEP_INTERVAL_MS: number;
  GATE_MAX_SNAPSHOT_AGE_SECONDS: number;
  WEBHOOK_ALLOW_HTTP_HOSTS: string;
  WEBHOOK_ALLOWED_NETWORKS: string;
  WEBHOOK_TIMEOUT_MS: number;
  WEBHOOK_ATTEMPTS: number;
  WEBHOOK_BACKOFF_MS: number;
  WEBHOOK_SWEEP_INTERVAL_MS: number;
  WEBHOOK_DELIVERY_RETENTION_DAYS: number;
}

const URL_PATTERN = {
  DATABASE_URL: '^postgres(ql)?://',
  REDIS_URL: '^rediss?://',
};

const schema = {
  type: 'object',
  properties: {
    HOST: { type: 'string', minLength: 1, default: '127.0.0.1' },
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 3000 },
    // Exact origins (scheme://host[:port]) allowed to call the API from a browser; empty: CORS closed.
    API_CORS_ORIGINS: {
      type: 'string',
      pattern: '^(https?://[^,\\s/]+)?(,https?://[^,\\s/]+)*$',
      default: '',
    },
    API_RATE_LIMIT_PER_MINUTE: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 600 },
    API_RATE_LIMIT_ANONYMOUS_PER_MINUTE: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 60 },
    // Each CSV download holds a database connection until its last row is read.
    API_EXPORT_CONCURRENCY: { type: 'integer', minimum: 1, maximum: 100, default: 3 },
    API_EXPORT_STALL_SECONDS: { type: 'integer', minimum: 1, maximum: 3600, default: 60 },
    DATABASE_URL: { type: 'string', pattern: URL_PATTERN.DATABASE_URL },
    DATABASE_POOL_SIZE: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
    DATABASE_CONNECT_TIMEOUT_MS: { type: 'integer', minimum: 100, default: 5000 },
    REDIS_URL: { type: 'string', pattern: URL_PATTERN.REDIS_URL },
    REDIS_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$', default: 'driftwatch' },
    NMAP_PATH: { type: 'string', minLength: 1, default: 'nmap' },
    NMAP_SCAN_TECHNIQUE: { enum: ['auto', 'syn', 'connect'], default: 'auto' },
    NMAP_REVERSE_DNS: { type: 'boolean', default: false },
    NMAP_HOST_TIMEOUT_SECONDS: { type: 'integer', minimum: 1, maximum: 86400, default: 300 },
    SCAN_TIMEOUT_MS: { type: 'integer', minimum: 1000, default: 900_000 },
    SCAN_ALLOWED_NETWORKS: { type: 'string', minLength: 1, default: '127.0.0.0/8,::1/128' },
    SCAN_ATTEMPTS: { type: 'integer', minimum: 1, maximum: 20, default: 3 },
    SCAN_BACKOFF_MS: { type: 'integer', minimum: 0, default: 5000 },
    WORKER_CONCURRENCY: { type: 'integer', minimum: 1, maximum: 64, default: 2 },
    // The network zones whose scan queues this worker consumes (comma-separated vantage names).
    WORKER_VANTAGES: {
      type: 'string',
      pattern: '^[a-z0-9][a-z0-9-]{0,31}(,[a-z0-9][a-z0-9-]{0,31})*$',
      default: 'default',
    },
    SCAN_SHARD_PREFIX_V4: { type: 'integer', minimum: 16, maximum: 32, default: 24 },
    SCAN_SHARD_PREFIX_V6: { type: 'integer', minimum: 112, maximum: 128, default: 120 },
    NMAP_STATS_EVERY_SECONDS: { type: 'integer', minimum: 1, maximum: 3600, default: 5 },
    POLICY_DIR: { type: 'string', minLength: 1, default: 'policies/pci-dss-v4' },
    DRIFTWATCH_RUN_DIR: { type: 'string', minLength: 1, default: '.run' },
    LOG_LEVEL: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    SCHEDULER_SYNC_INTERVAL_MS: { type: 'integer', minimum: 1000, default: 15_000 },
    WAIVER_SWEEP_INTERVAL_MS: { type: 'integer', minimum: 1000, maximum: 3_600_000, default: 60_000 },
    SCAN_SWEEP_INTERVAL_MS: { type: 'integer', minimum: 1000, maximum: 3_600_000, default: 60_000 },
    // The CI gate fails when a scope's newest evaluated snapshot is older than this (a day).
    GATE_MAX_SNAPSHOT_AGE_SECONDS: { type: 'integer', minimum: 60, maximum: 31_536_000, default: 86_400 },
    // Hosts a webhook may reach over plain http (names, addresses or CIDRs); others need https.
    WEBHOOK_ALLOW_HTTP_HOSTS: { type: 'string', minLength: 1, default: 'localhost,127.0.0.0/8,::1/128' },
    WEBHOOK_ALLOWED_NETWORKS: { type: 'string', default: '' },
    WEBHOOK_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 120_000, default: 10_000 },
    WEBHOOK_ATTEMPTS: { type: 'integer', minimum: 1, maximum: 30, default: 8 },
    WEBHOOK_BACKOFF_MS: { type: 'integer', minimum: 0, default: 10_000 },
    WEBHOOK_SWEEP_INTERVAL_MS: { type: 'integer', minimum: 1000, maximum: 3_600_000, default: 60_000 },
    WEBHOOK_DELIVERY_RETENTION_DAYS: { type: 'integer', minimum: 0, maximum: 36_500, default: 0 },
  },
  required: ['DATABASE_URL', 'REDIS_URL'],
} as const;

const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });
const validate = ajv.compile<RawConfig>(schema);

/**
 * Validate the environment once, at boot, into the typed AppConfig. Every problem is reported
 * together, naming the variable, so a misconfigured deployment fails fast and clearly.
 */
export function loadConfig(env: Env, cwd: string = process.cwd()): AppConfig {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  if (!validate(raw)) {
    const fields = (validate.errors ?? []).map((e) => ({
      field: e.instancePath ? e.instancePath.slice(1) : String(e.params['missingProperty'] ?? ''),
      reason: e.message ?? 'is invalid',
    }));
    throw new DriftwatchError(
      ErrorCode.ConfigInvalid,
      `Invalid configuration: ${fields.map((f) => `${f.field} ${f.reason}`).join('; ')}`,
      { fields },
    );
  }
  const allowedNetworks = networkList(raw, 'SCAN_ALLOWED_NETWORKS');
  const webhookNetworks = networkList(raw, 'WEBHOOK_ALLOWED_NETWORKS');
  const allowHttpHosts = raw.WEBHOOK_ALLOW_HTTP_HOSTS.split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const host of allowHttpHosts) {
    if (!/^[a-z0-9.:/_-]+$/.test(host)) {
      throw new DriftwatchError(
        ErrorCode.ConfigInvalid,
        `Invalid configuration: WEBHOOK_ALLOW_HTTP_HOSTS entry "${host}" is not a host name, address or CIDR`,
        {
          fields: [
            { field: 'WEBHOOK_ALLOW_HTTP_HOSTS', reason: `"${host}" is not a host name, address or CIDR` },
          ],
        },
      );
    }
  }
  const technique =
    raw.NMAP_SCAN_TECHNIQUE === 'auto'
      ? typeof process.getuid === 'function' && process.getuid() === 0
        ? 'syn'
        : 'connect'
      : raw.NMAP_SCAN_TECHNIQUE;

  return Object.freeze({
    http: {
      host: raw.HOST,
      port: raw.PORT,
      corsOrigins: raw.API_CORS_ORIGINS.split(',').filter(Boolean),
      rateLimit: {
        perMinute: raw.API_RATE_LIMIT_PER_MINUTE,
        anonymousPerMinute: raw.API_RATE_LIMIT_ANONYMOUS_PER_MINUTE,
      },
      exports: {
        // At least one connection of the pool is left to everything else.
        concurrency: Math.max(1, Math.min(raw.API_EXPORT_CONCURRENCY, raw.DATABASE_POOL_SIZE - 1)),
        stallMs: raw.API_EXPORT_STALL_SECONDS * 1000,
      },
    },
    database: {
      url: raw.DATABASE_URL,
      poolSize: raw.DATABASE_POOL_SIZE,
      connectTimeoutMs: raw.DATABASE_CONNECT_TIMEOUT_MS,
    },
    redis: { url: raw.REDIS_URL, prefix: raw.REDIS_PREFIX },
    nmap: {
      binary: raw.NMAP_PATH,
      technique,
      reverseDns: raw.NMAP_REVERSE_DNS,
      hostTimeoutSeconds: raw.NMAP_HOST_TIMEOUT_SECONDS,
      scanTimeoutMs: raw.SCAN_TIMEOUT_MS,
    },
    scan: {
      allowedNetworks,
      attempts: raw.SCAN_ATTEMPTS,
      backoffMs: raw.SCAN_BACKOFF_MS,
      concurrency: raw.WORKER_CONCURRENCY,
      shardPrefix: { ipv4: raw.SCAN_SHARD_PREFIX_V4, ipv6: raw.SCAN_SHARD_PREFIX_V6 },
      statsEverySeconds: raw.NMAP_STATS_EVERY_SECONDS,
    },
    worker: { vantages: [...new Set(raw.WORKER_VANTAGES.split(','))] },
    policy: { dir: resolve(cwd, raw.POLICY_DIR) },
    runDir: resolve(cwd, raw.DRIFTWATCH_RUN_DIR),
    logLevel: raw.LOG_LEVEL,
    scheduler: {
      syncIntervalMs: raw.SCHEDULER_SYNC_INTERVAL_MS,
      waiverSweepIntervalMs: raw.WAIVER_SWEEP_INTERVAL_MS,
      scanSweepIntervalMs: raw.SCAN_SWEEP_INTERVAL_MS,
    },
    gate: { maxSnapshotAgeSeconds: raw.GATE_MAX_SNAPSHOT_AGE_SECONDS },
    webhooks: {
      allowHttpHosts,
      allowedNetworks: webhookNetworks,
      timeoutMs: raw.WEBHOOK_TIMEOUT_MS,
      attempts: raw.WEBHOOK_ATTEMPTS,
      backoffMs: raw.WEBHOOK_BACKOFF_MS,
      sweepIntervalMs: raw.WEBHOOK_SWEEP_INTERVAL_MS,
      deliveryRetentionDays: raw.WEBHOOK_DELIVERY_RETENTION_DAYS,
    },
  });
}

/** The process environment, read here and nowhere else. `defaults` apply where a variable is unset. */
export function loadConfigFromEnvironment(defaults: Env = {}): AppConfig {
  return loadConfig({ ...defaults, ...process.env });
}

/** A comma-separated list of addresses and CIDRs, each checked, or ConfigInvalid naming the entry. */
function networkList(raw: RawConfig, field: 'SCAN_ALLOWED_NETWORKS' | 'WEBHOOK_ALLOWED_NETWORKS'): string[] {
  const networks = raw[field]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const network of networks) {
    try {
      parseNetwork(network);
    } catch (error: unknown) {
      throw new DriftwatchError(
        ErrorCode.ConfigInvalid,
        `Invalid configuration: ${field} entry "${network}" is not an address or CIDR`,
        { fields: [{ field, reason: `"${network}" is not an address or CIDR` }] },
        { cause: error },
      );
    }
  }
  return networks;
}
