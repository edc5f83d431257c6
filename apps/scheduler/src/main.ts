import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';

import { prepareDatabase, runMain } from '@driftwatch/application';
import { loadConfigFromEnvironment } from '@driftwatch/config';

import { SchedulerModule } from './scheduler.module';

runMain('scheduler', async () => {
  const config = loadConfigFromEnvironment();
  await prepareDatabase(config.database);
  const app = await NestFactory.createApplicationContext(SchedulerModule.forRoot(config), {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
});
