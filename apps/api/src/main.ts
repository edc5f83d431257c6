import { NestFactory } from '@nestjs/core';

import { prepareDatabase, runMain } from '@driftwatch/application';
import { loadConfigFromEnvironment } from '@driftwatch/config';

import { ApiModule } from './api.module';
import { configureHttp } from './configure-http';

runMain('api', async () => {
  const config = loadConfigFromEnvironment();
  await prepareDatabase(config.database);
  const app = await NestFactory.create(ApiModule.forRoot(config), { bufferLogs: true });
  configureHttp(app);
  await app.listen(config.http.port, config.http.host);
});
