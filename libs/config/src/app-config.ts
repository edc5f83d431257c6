/** The one typed configuration object, validated at boot. Inject it by this class token. */
export abstract class AppConfig {
  abstract readonly http: { host: string; port: number };
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
  };
  abstract readonly policy: { dir: string };
  abstract readonly runDir: string;
  abstract readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  abstract readonly scheduler: { syncIntervalMs: number };
}
