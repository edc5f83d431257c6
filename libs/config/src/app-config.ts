/** The one typed configuration object, validated at boot. Inject it by this class token. */
export abstract class AppConfig {
  /**
   * corsOrigins: exact origins allowed cross-origin (empty: CORS closed). rateLimit: requests per
   * minute per API key (authenticated) or per client IP (anonymous); 0 turns that limit off.
   * exports: CSV downloads at once per process (each holds a database connection while it
   * runs; at most the pool size less one), and how long a download may go unread before it is cut.
   */
  abstract readonly http: {
    host: string;
    port: number;
    corsOrigins: string[];
    rateLimit: { perMinute: number; anonymousPerMinute: number };
    exports: { concurrency: number; stallMs: number };
  };
  abstract readonly database: { url: string; poolSize: number; connectTimeoutMs: number };
  abstract readonly redis: { url: string; prefix: string };
  abstract readonly nmap: {
    binary: string;
    technique: 'syn' | 'connect';
    reverseDns: boolean;
    hostTimeoutSeconds: number;
    scanTimeoutMs: number;
  };
  abstract readonly scan: {
    allowedNetworks: string[];
    attempts: number;
    backoffMs: number;
    concurrency: number;
    /** Targets are split into shards of this prefix length, each a job of its own. */
    shardPrefix: { ipv4: number; ipv6: number };
    /** How often nmap reports progress (--stats-every). */
    statsEverySeconds: number;
  };
  /** The vantages (network zones) whose scan queues a worker consumes. */
  abstract readonly worker: { vantages: string[] };
  abstract readonly policy: { dir: string };
  abstract readonly runDir: string;
  abstract readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * syncIntervalMs: re-read scope schedules; waiverSweepIntervalMs: how often expired waivers are
   * applied; scanSweepIntervalMs: how often unfinished scans whose job was lost are enqueued again.
   */
  abstract readonly scheduler: {
    syncIntervalMs: number;
    waiverSweepIntervalMs: number;
    scanSweepIntervalMs: number;
  };
  /** The CI gate: a scope whose newest evaluated snapshot is older than this fails it. */
  abstract readonly gate: { maxSnapshotAgeSeconds: number };
  /**
   * Outgoing webhooks. allowHttpHosts: hosts (names or addresses/CIDRs) a webhook may reach over
   * plain http; every other URL must be https. allowedNetworks: networks (CIDRs) outside the
   * public internet a webhook may still connect to; loopback, private, link-local and other
   * special-purpose addresses are refused otherwise (SSRF). sweepIntervalMs: how often pending
   * deliveries whose job was lost are enqueued again. deliveryRetentionDays: settled deliveries
   * older than this are deleted by the sweep; 0 keeps them all.
   */
  abstract readonly webhooks: {
    allowHttpHosts: string[];
    allowedNetworks: string[];
    timeoutMs: number;
    attempts: number;
    backoffMs: number;
    sweepIntervalMs: number;
    deliveryRetentionDays: number;
  };
}
