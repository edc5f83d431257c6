import { type INestApplication, RequestMethod, ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json, type NextFunction, type Request, type Response, text } from 'express';
import { Logger } from 'nestjs-pino';

import {
  ApiKeyService,
  CONTEXT_MAX_BYTES,
  CONFIG_MAX_BYTES,
  CONTEXT_YAML_TYPES,
  IMPORT_MAX_BYTES,
} from '@driftwatch/application';

import { docsAuth } from './auth/docs-auth.middleware';
import { validationExceptionFactory } from './errors/validation-exception.factory';

export const API_PREFIX = 'api/v1';

/** HTTP settings shared by `api` and single-machine mode (and the tests, which build the same app). */
export function configureHttp(app: INestApplication): void {
  app.useLogger(app.get(Logger));
  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'health', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
    ],
  });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: validationExceptionFactory,
    }),
  );
  app.enableShutdownHooks();
  // nmap XML imports arrive as raw bytes (the parser streams and checks them itself).
  (app as NestExpressApplication).useBodyParser('raw', {
    type: ['application/xml', 'text/xml'],
    limit: IMPORT_MAX_BYTES,
  });
  // Policy packs and context documents are larger than other JSON bodies, and a context may be
  // YAML. Registered before Nest's own JSON parser, which then leaves the parsed body alone.
  const largeJson = json({ limit: CONTEXT_MAX_BYTES });
  const yamlText = text({ type: CONTEXT_YAML_TYPES, limit: CONTEXT_MAX_BYTES });
  app.use(
    `/${API_PREFIX}/policies`,
    function policyBodyParser(req: Request, res: Response, next: NextFunction) {
      largeJson(req, res, next);
    },
  );
  app.use(
    `/${API_PREFIX}/context`,
    function contextBodyParser(req: Request, res: Response, next: NextFunction) {
      largeJson(req, res, (error?: unknown) => (error ? next(error) : yamlText(req, res, next)));
    },
  );
  // Configuration documents (a large firewall's ruleset) are larger than other JSON bodies too;
  // as a JSON string a document grows (every newline is two bytes), so the body may be larger.
  const configJson = json({ limit: 3 * CONFIG_MAX_BYTES });
  app.use(
    `/${API_PREFIX}/scopes/:id/config`,
    function configBodyParser(req: Request, res: Response, next: NextFunction) {
      configJson(req, res, next);
    },
  );
  // Swagger UI is mounted on Express directly, outside Nest's guards: protect it here.
  app.use(['/docs', '/docs-json', '/docs-yaml'], docsAuth(app.get(ApiKeyService)));
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Driftwatch API')
      .setDescription(
        'Continuous PCI DSS compliance: scopes, scans, findings. Every route needs an API key except /health.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
