import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';

import { AppConfig } from '@driftwatch/config';

import { QueueName } from './queue-names';
import { redisOptionsFromUrl } from './redis-connection';
import { ScanQueue, scanJobOptions } from './scan-queue';
import { WebhookQueue } from './webhook-queue';

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: redisOptionsFromUrl(config.redis.url),
        prefix: config.redis.prefix,
        defaultJobOptions: scanJobOptions(config),
      }),
    }),
    // Producers fail fast while Redis is down (the API answers 503) instead of queueing
    // commands in memory; workers keep the shared connection, which retries forever.
    // Scan queues are per vantage and opened by ScanQueue.
    BullModule.registerQueueAsync({
      name: QueueName.Evaluate,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        prefix: config.redis.prefix,
        connection: { ...redisOptionsFromUrl(config.redis.url), enableOfflineQueue: false },
      }),
    }),
  ],
  providers: [ScanQueue, WebhookQueue],
  exports: [ScanQueue, WebhookQueue, BullModule],
})
export class QueueModule {}
