'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node without a build */
// bench/api's reference: the findings list served by bare node:http and pg, with the API's own
// repository statements (ApiKeyRepository.findActiveByPrefix, FindingRepository.listRaw, both
// prepared) and JSON writer (findingJson, the cursor codec), loaded from libs/ — and nothing of
// Nest, Express, the middleware, validation or logging. It answers only
// GET /api/v1/findings?scope=&severity=&limit=&cursor= for a Bearer key. What the API serves
// against what this serves, on the same machine in the same run, is the share of the machine the
// framework leaves to the route; a target this cannot reach is out of reach of the API as well.
//
//   DATABASE_URL=… PORT=… node bench/lib/bare-findings-server.js
require('./load-typescript').register();
require('reflect-metadata');
const { createHash, timingSafeEqual } = require('node:crypto');
const http = require('node:http');
const { Pool } = require('pg');
const { ApiKeyRepository, FindingRepository } = require('@driftwatch/persistence');
const { findingJson } = require('@driftwatch/application/findings/finding-json');
const { decodeCursor, encodeCursor, TIMESTAMP_KEY } = require('@driftwatch/application/common/cursor');

const KEY_FORMAT = /^Bearer dw_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const SORT = '-lastSeenAt';

// eslint-disable-next-line no-restricted-properties -- a bench helper, not the app
const { DATABASE_URL, PORT } = process.env;
// The pool as TypeORM holds it for the API (pg's default size, 10), behind the shape the
// repositories' prepared statements read (dataSource.driver.master).
const pool = new Pool({ connectionString: DATABASE_URL });
const dataSource = { driver: { master: pool } };
const keys = new ApiKeyRepository(dataSource);
const findings = new FindingRepository(dataSource);

async function authenticated(header) {
  const match = KEY_FORMAT.exec(header ?? '');
  if (!match) return false;
  const key = await keys.findActiveByPrefix(match[1]);
  if (!key) return false;
  const expected = Buffer.from(key.secretHash, 'hex');
  const actual = createHash('sha256').update(match[2]).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

async function page(url) {
  const query = new URL(url, 'http://bench').searchParams;
  const limit = Number(query.get('limit') ?? 50);
  const cursor = query.get('cursor');
  const after = cursor ? decodeCursor(cursor, SORT, TIMESTAMP_KEY) : undefined;
  const filter = { scopeId: query.get('scope'), severity: [query.get('severity')] };
  const { items, next } = await findings.listRaw(filter, { sort: SORT, limit, after });
  const nextCursor = next ? encodeCursor(SORT, next) : null;
  return `{"items":[${items.map(findingJson).join(',')}],"nextCursor":${JSON.stringify(nextCursor)},"limit":${limit}}`;
}

// SIGTERM ends the pool only once no request is using it: a keep-alive connection can still be
// answering when the server stops listening.
let stopping = false;
let inFlight = 0;
let finished = false;
const finish = () => {
  if (finished) return;
  finished = true;
  void pool.end().then(() => process.exit(0));
};

const server = http.createServer((req, res) => {
  const answer = async () => {
    if (stopping) return [503, '{}'];
    if (req.method !== 'GET' || !req.url.startsWith('/api/v1/findings?')) return [404, '{}'];
    if (!(await authenticated(req.headers.authorization))) return [401, '{}'];
    return [200, await page(req.url)];
  };
  inFlight += 1;
  answer()
    .then(
      ([status, body]) => {
        res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(body);
      },
      (error) => {
        process.stderr.write(`${error.stack}\n`);
        res.writeHead(500).end();
      },
    )
    .finally(() => {
      inFlight -= 1;
      if (stopping && inFlight === 0) finish();
    });
});
server.listen(Number(PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => {
  stopping = true;
  server.close();
  server.closeIdleConnections();
  if (inFlight === 0) finish();
});
