import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';

import { prepareDatabase, runMain } from '@driftwatch/application';
import { loadConfigFromEnvironment } from '@driftwatch/config';

import { WorkerModule } from './worker.module';

runMain('worker', async () => {
  const config = loadConfigFromEnvironment();
  await prepareDatabase(config.database);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
});
