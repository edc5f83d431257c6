import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';

import { AppConfig } from '@driftwatch/config';
import { redisOptionsFromUrl } from '@driftwatch/queue';

/**
 * Cancelling a running scan crosses processes: the api publishes the scan id on a Redis channel,
 * and the worker running that scan aborts its nmap child. Each worker knows only its own scans.
 */
@Injectable()
export class ScanCancellation implements OnApplicationShutdown {
  private readonly logger = new Logger(ScanCancellation.name);
  // A scan's shards may run side by side on one worker: each has its own controller.
  private readonly running = new Map<string, Set<AbortController>>();
  private readonly channel: string;
  private publisher: Redis | undefined;
  private subscriber: Redis | undefined;

  constructor(private readonly config: AppConfig) {
    this.channel = `${config.redis.prefix}:scan-cancel`;
  }

  /** Worker side: start listening for cancellations (called by the worker's processors module). */
  async listen(): Promise<void> {
    if (this.subscriber) return;
    const subscriber = new Redis({ ...redisOptionsFromUrl(this.config.redis.url), lazyConnect: true });
    subscriber.on('error', (error: Error) =>
      this.logger.warn({ err: error.message }, 'cancel channel error'),
    );
    subscriber.on('message', (_channel: string, scanId: string) => this.abortLocal(scanId));
    this.subscriber = subscriber;
    await subscriber.connect();
    await subscriber.subscribe(this.channel);
  }

  /** Worker side: the signal that aborts this scan's nmap run. Call `finished` when done. */
  track(scanId: string): { signal: AbortSignal; finished: () => void } {
    const controller = new AbortController();
    const set = this.running.get(scanId) ?? new Set<AbortController>();
    set.add(controller);
    this.running.set(scanId, set);
    return {
      signal: controller.signal,
      finished: () => {
        set.delete(controller);
        if (set.size === 0) this.running.delete(scanId);
      },
    };
  }

  /** Api side: ask every worker to abort this scan (the one running it will). */
  async requestCancel(scanId: string): Promise<void> {
    this.abortLocal(scanId);
    if (!this.publisher) {
      const publisher = new Redis({
        ...redisOptionsFromUrl(this.config.redis.url),
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
      });
      publisher.on('error', () => undefined); // surfaced by the awaited calls below
      this.publisher = publisher;
      await publisher.connect();
    }
    await this.publisher.publish(this.channel, scanId);
  }

  private abortLocal(scanId: string): void {
    const controllers = this.running.get(scanId);
    if (!controllers) return;
    this.logger.log({ scanId, runs: controllers.size }, 'cancelling scan');
    for (const controller of controllers) controller.abort(new Error('scan cancelled'));
  }

  async onApplicationShutdown(): Promise<void> {
    this.subscriber?.disconnect();
    this.publisher?.disconnect();
    return Promise.resolve();
  }
}
