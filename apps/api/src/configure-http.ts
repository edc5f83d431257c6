import type { Server } from 'node:http';

import { type INestApplication, RequestMethod, ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json, type NextFunction, raw, type Request, type Response, text } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';

import {
  ApiKeyService,
  CONTEXT_MAX_BYTES,
  CONFIG_MAX_BYTES,
  CONTEXT_YAML_TYPES,
  IMPORT_MAX_BYTES,
} from '@driftwatch/application';
import { AppConfig } from '@driftwatch/config';

import { docsAuth } from './auth/docs-auth.middleware';
import { validationExceptionFactory } from './errors/validation-exception.factory';
import { UnsafeInputPipe } from './http/unsafe-input.pipe';
import {
  answerClientErrorsAsProblems,
  authenticatedBody,
  bodyParserErrors,
  DEFAULT_JSON_LIMIT_BYTES,
  limitBodyDepth,
  requireBodyType,
} from './http/request-body.middleware';

export const API_PREFIX = 'api/v1';

/** HTTP settings shared by `api` and single-machine mode (and the tests, which build the same app). */
export function configureHttp(app: INestApplication): void {
  app.useLogger(app.get(Logger));
  // Express hashes every body it sends for a weak ETag: for a page of findings that is ~100 KB
  // of SHA-1 per request, for a validator no client of this API sends (answers are per key and
  // change with every scan). Static files (/docs) keep serve-static's own ETags.
  (app as NestExpressApplication).set('etag', false);
  const config = app.get(AppConfig);
  answerClientErrorsAsProblems(app.getHttpServer() as Server);
  const apiKeys = app.get(ApiKeyService);
  // Security headers on every answer (API, /health, /metrics, /docs). Swagger UI loads its own
  // scripts and styles from /docs: the default CSP allows that; upgrade-insecure-requests is
  // dropped because single-machine mode serves plain HTTP on loopback.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  // CORS is closed unless API_CORS_ORIGINS lists exact origins.
  if (config.http.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.http.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      maxAge: 600,
    });
  }
  // A body of a type its route does not read is refused before any parser reads it.
  app.use(
    requireBodyType([
      {
        path: new RegExp(`^/${API_PREFIX}/scopes/[^/]+/snapshots/?$`),
        types: ['application/xml', 'text/xml'],
      },
      {
        path: new RegExp(`^/${API_PREFIX}/context(/[^/]+)?/?$`),
        types: ['application/json', ...CONTEXT_YAML_TYPES],
      },
    ]),
  );
  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'health', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
    ],
  });
  app.useGlobalPipes(
    new UnsafeInputPipe(),
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: validationExceptionFactory,
    }),
  );
  app.enableShutdownHooks();
  // nmap XML imports arrive as raw bytes (the parser streams and checks them itself). Large
  // bodies are read only for a valid API key.
  const xml = raw({ type: ['application/xml', 'text/xml'], limit: IMPORT_MAX_BYTES });
  app.use(`/${API_PREFIX}/scopes/:id/snapshots`, authenticatedBody(xml, apiKeys));
  // Policy packs and context documents are larger than other JSON bodies, and a context may be
  // YAML. Registered before Nest's own JSON parser, which then leaves the parsed body alone.
  const largeJson = json({ limit: CONTEXT_MAX_BYTES });
  const yamlText = text({ type: CONTEXT_YAML_TYPES, limit: CONTEXT_MAX_BYTES });
  const largeBody = authenticatedBody(largeJson, apiKeys);
  const contextBody = authenticatedBody(
    (req, res, next) =>
      largeJson(req, res, (error?: unknown) => (error ? next(error) : yamlText(req, res, next))),
    apiKeys,
  );
  app.use(
    `/${API_PREFIX}/policies`,
    function policyBodyParser(req: Request, res: Response, next: NextFunction) {
      largeBody(req, res, next);
    },
  );
  app.use(
    `/${API_PREFIX}/context`,
    function contextBodyParser(req: Request, res: Response, next: NextFunction) {
      contextBody(req, res, next);
    },
  );
  // Configuration documents (a large firewall's ruleset) are larger than other JSON bodies too;
  // as a JSON string a document grows (every newline is two bytes), so the body may be larger.
  const configJson = authenticatedBody(json({ limit: 3 * CONFIG_MAX_BYTES }), apiKeys);
  app.use(
    `/${API_PREFIX}/scopes/:id/config`,
    function configBodyParser(req: Request, res: Response, next: NextFunction) {
      configJson(req, res, next);
    },
  );
  // A dry run carries a candidate's nmap XML and configuration documents as JSON strings.
  app.use(
    `/${API_PREFIX}/evaluate`,
    function evaluateBodyParser(req: Request, res: Response, next: NextFunction) {
      configJson(req, res, next);
    },
  );
  // Every other JSON body: 1 MiB (the parsers above have already read theirs), nested at most
  // MAX_BODY_DEPTH levels.
  (app as NestExpressApplication).useBodyParser('json', { limit: DEFAULT_JSON_LIMIT_BYTES });
  app.use(bodyParserErrors(), limitBodyDepth());
  // Swagger UI is mounted on Express directly, outside Nest's guards: protect it here.
  app.use(['/docs', '/docs-json', '/docs-yaml'], docsAuth(apiKeys));
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
