export * from './queue-names';
export * from './queue.module';
export * from './redis-connection';
export * from './scan-queue';
export * from './webhook-queue';
