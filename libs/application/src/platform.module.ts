import { type DynamicModule, Global, Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';

import { type AppConfig, ConfigModule } from '@driftwatch/config';
import { PersistenceModule } from '@driftwatch/persistence';
import { QueueModule } from '@driftwatch/queue';

import { ApplicationModule } from './application.module';

/**
 * What every process needs: validated config, structured logs, PostgreSQL, the queues and the
 * use-case services. Apps import this once and add their transport (HTTP, processors, cron).
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          // Nest 11 (path-to-regexp 8) spelling of "every route".
          forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
          pinoHttp: {
            level: config.logLevel,
            redact: ['req.headers.authorization', 'req.headers.cookie'],
            // Health probes every few seconds would drown the request log.
            autoLogging: { ignore: (req) => req.url === '/health' },
          },
        }),
        PersistenceModule,
        QueueModule,
        ApplicationModule,
      ],
      exports: [ApplicationModule],
    };
  }
}
