import { type DynamicModule, Global, Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';

import { type AppConfig, ConfigModule } from '@driftwatch/config';
import { maskPanLike } from '@driftwatch/config-state';
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
            // A query may filter by any string (?asset=...): the log never keeps a card number.
            serializers: { req: maskRequestUrl },
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

interface SerializedRequest {
  url?: unknown;
  query?: unknown;
  params?: unknown;
  [key: string]: unknown;
}

function maskRequestUrl(req: SerializedRequest): SerializedRequest {
  const masked = { ...req };
  if (typeof masked.url === 'string') masked.url = maskPanLike(masked.url);
  for (const key of ['query', 'params'] as const) {
    if (masked[key] !== undefined)
      masked[key] = JSON.parse(maskPanLike(JSON.stringify(masked[key]))) as unknown;
  }
  return masked;
}
