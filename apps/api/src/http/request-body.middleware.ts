import { type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';

import type { ApiKeyService } from '@driftwatch/application';
import { ErrorCode } from '@driftwatch/core';

import { presentedKey } from '@driftwatch/api/auth/bearer-token';
import { requestPrincipal } from '@driftwatch/api/auth/request-principal';
import { bodyParserError } from '@driftwatch/api/errors/http-error.filter';
import { problemFor, sendProblem } from '@driftwatch/api/errors/problem-details';

/** Every JSON body not on a route with its own larger parser. */
export const DEFAULT_JSON_LIMIT_BYTES = 1024 * 1024;

/** Deeper JSON is refused: no document of the API nests anywhere near this. */
export const MAX_BODY_DEPTH = 64;

/** The media types a route accepts as its body; every other route takes JSON only. */
export interface BodyTypeRule {
  path: RegExp;
  types: readonly string[];
}

/** True when the request carries a body (a chunked body, or a non-zero Content-Length). */
function hasBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/**
 * 415 for a body of a media type the route does not read (before any parser touches it): JSON
 * everywhere, except the routes in `rules` (nmap XML, YAML context documents).
 */
export function requireBodyType(rules: readonly BodyTypeRule[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!hasBody(req)) return next();
    const path = req.path;
    const types = rules.find((r) => r.path.test(path))?.types ?? ['application/json'];
    if (req.headers['content-type'] && req.is([...types])) return next();
    sendProblem(
      res,
      problemFor(req, {
        status: 415,
        code: ErrorCode.UnsupportedMediaType,
        detail: `This route reads a body of type ${types.join(', ')}`,
        fields: [{ field: 'Content-Type', reason: `must be one of ${types.join(', ')}` }],
      }),
    );
  };
}

/**
 * Runs a large-body parser only for a request that presents a valid API key: a client without
 * one is refused (401) before tens of megabytes are read. The key guard reuses the lookup.
 */
export function authenticatedBody(parser: RequestHandler, apiKeys: ApiKeyService): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!hasBody(req)) return next();
    requestPrincipal(req, apiKeys).then(
      (principal) => {
        if (principal) return parser(req, res, next);
        sendProblem(
          res,
          problemFor(req, {
            status: 401,
            code: ErrorCode.Unauthenticated,
            // The key guard's words, so a client sees the same answer with or without a body.
            detail: presentedKey(req.headers.authorization)
              ? 'The API key is invalid or revoked'
              : 'An API key is required: Authorization: Bearer <key>',
          }),
        );
      },
      (error: unknown) => next(error),
    );
  };
}

/** 400 for a parsed body nested deeper than `maxDepth` (checked without recursion). */
export function limitBodyDepth(maxDepth = MAX_BODY_DEPTH): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Buffer.isBuffer(body)) return next();
    const stack: [unknown, number][] = [[body, 1]];
    while (stack.length > 0) {
      const [value, depth] = stack.pop() as [unknown, number];
      if (depth > maxDepth) {
        sendProblem(
          res,
          problemFor(req, {
            status: 400,
            code: ErrorCode.ValidationFailed,
            detail: `The request body nests deeper than ${maxDepth} levels`,
            fields: [{ field: 'body', reason: `nests deeper than ${maxDepth} levels` }],
          }),
        );
        return;
      }
      for (const child of Object.values(value as object)) {
        if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
      }
    }
    next();
  };
}

/**
 * Answers a body parser's error (malformed JSON, a bad charset, too large) as a problem naming
 * the body; Nest would otherwise turn a JSON syntax error into a bare 400.
 */
export function bodyParserErrors(): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, next: NextFunction) => {
    const problem = bodyParserError(error);
    if (!problem) return next(error);
    sendProblem(res, problemFor(req, problem));
  };
}

/**
 * Requests Node's HTTP parser refuses before Express sees them (headers over 16 KiB, a malformed
 * request line) are answered as problems too, instead of Node's bare status line.
 */
export function answerClientErrorsAsProblems(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify(
      problemFor({ originalUrl: '/', url: '/' }, { status, detail: 'The HTTP request could not be read' }),
    );
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
