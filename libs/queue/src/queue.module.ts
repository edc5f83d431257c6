import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';

import { AppConfig } from '@driftwatch/config';

import { QueueName } from './queue-names';
import { redisOptionsFromUrl } from './redis-connection';
import { ScanQueue } from './scan-queue';

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: redisOptionsFromUrl(config.redis.url),
        prefix: config.redis.prefix,
        defaultJobOptions: {
          attempts: config.scan.attempts,
          backoff: { type: 'exponential', delay: config.scan.backoffMs },
          removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
          removeOnFail: { age: 30 * 24 * 3600 },
        },
      }),
    }),
    // Producers fail fast while Redis is down (the API answers 503) instead of queueing
    // commands in memory; workers keep the shared connection, which retries forever.
    ...[QueueName.Scan, QueueName.Evaluate].map((name) =>
      BullModule.registerQueueAsync({
        name,
        inject: [AppConfig],
        useFactory: (config: AppConfig) => ({
          prefix: config.redis.prefix,
          connection: { ...redisOptionsFromUrl(config.redis.url), enableOfflineQueue: false },
        }),
      }),
    ),
  ],
  providers: [ScanQueue],
  exports: [ScanQueue, BullModule],
})
export class QueueModule {}
