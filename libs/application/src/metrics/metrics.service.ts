import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics. One registry per application instance (not prom-client's global one),
 * so several instances in one process (tests) do not collide.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly scanDuration = new Histogram({
    name: 'driftwatch_scan_duration_seconds',
    help: 'Duration of successful nmap scans run by this process',
    buckets: [1, 5, 15, 30, 60, 120, 300, 900, 1800],
    registers: [this.registry],
  });

  private readonly scansTotal = new Counter({
    name: 'driftwatch_scans_total',
    help: 'Scans finished by this process, by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  /** Gauges whose value is read from elsewhere (queue, database) when scraped. */
  registerCollector(
    name: string,
    help: string,
    labelNames: string[],
    collect: (g: Gauge) => Promise<void>,
  ): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        await collect(this);
      },
    });
  }

  scanSucceeded(seconds: number): void {
    this.scanDuration.observe(seconds);
    this.scansTotal.inc({ outcome: 'success' });
  }

  scanFailed(): void {
    this.scansTotal.inc({ outcome: 'failure' });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
